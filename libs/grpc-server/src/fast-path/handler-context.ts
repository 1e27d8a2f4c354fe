import type { DescMethodUnary, DescService } from '@bufbuild/protobuf';
import type { ContextKey, ContextValues, HandlerContext, UnaryRequest } from '@connectrpc/connect';

/**
 * What a fast-path request and handler context need from their call. The
 * request carries it under a symbol key, an own enumerable property, so that
 * a copy an interceptor makes with `{ ...req, message }` still leads back to
 * the call.
 */
export interface CallState {
  readonly signal: AbortSignal;
  readonly url: string;
  readonly responseHeader: Headers;
  readonly responseTrailer: Headers;
  readonly timeoutMs: () => number | undefined;
}

export const CALL = Symbol('protomesh.fastPath.call');

export type FastUnaryRequest = UnaryRequest & { readonly [CALL]: CallState };

interface SignalSource {
  readonly signal: AbortSignal;
}

// The request's `signal` is an own accessor: like connect-node's own data
// property it survives a copy made with spread (the copy reads it, making
// it), while an untouched call never makes one. One shared getter, so no
// closure per call; defining it costs a few hundred nanoseconds, which the
// request, the object interceptors copy, is worth.
const REQUEST_SIGNAL: PropertyDescriptor = {
  get(this: FastUnaryRequest) {
    return this[CALL].signal;
  },
  enumerable: true,
  configurable: true,
};

/** The UnaryRequest interceptors see, with the fields connect-node gives it. */
export function createUnaryRequest(
  call: CallState,
  method: DescMethodUnary,
  message: UnaryRequest['message'],
  header: Headers,
  contextValues: ContextValues,
): FastUnaryRequest {
  const request = {
    stream: false as const,
    message,
    method,
    requestMethod: 'POST',
    url: call.url,
    header,
    service: method.parent,
    contextValues,
    [CALL]: call,
  };
  Object.defineProperty(request, 'signal', REQUEST_SIGNAL);
  return request as unknown as FastUnaryRequest;
}

/**
 * A HandlerContext as connect-node builds it for the handler: the call's
 * response headers and deadline, and the service, request headers, signal and
 * context values of the request that reached the handler (interceptors may
 * have replaced them). `source` provides the signal, read only on demand.
 *
 * Unlike the request, `signal` is a getter on the prototype: handlers read
 * the context rather than copy it, and this keeps the context as cheap as a
 * plain object. (A copy made with spread would lack `signal`.)
 */
export class FastHandlerContext implements HandlerContext {
  readonly requestMethod = 'POST';
  readonly protocolName = 'grpc';
  readonly url: string;
  readonly timeoutMs: () => number | undefined;
  readonly responseHeader: Headers;
  readonly responseTrailer: Headers;
  readonly #source: SignalSource;

  constructor(
    call: CallState,
    readonly method: DescMethodUnary,
    readonly service: DescService,
    readonly requestHeader: Headers,
    readonly values: ContextValues,
    source: SignalSource,
  ) {
    this.url = call.url;
    this.timeoutMs = call.timeoutMs;
    this.responseHeader = call.responseHeader;
    this.responseTrailer = call.responseTrailer;
    this.#source = source;
  }

  get signal(): AbortSignal {
    return this.#source.signal;
  }
}

/**
 * Connect's `createContextValues` with its methods on a prototype rather than
 * three closures per call; same storage (symbol keys on the object itself).
 */
export class FastContextValues implements ContextValues {
  get<T>(key: ContextKey<T>): T {
    return key.id in this ? ((this as unknown as Record<symbol, T>)[key.id] as T) : key.defaultValue;
  }

  set<T>(key: ContextKey<T>, value: T): this {
    (this as unknown as Record<symbol, T>)[key.id] = value;
    return this;
  }

  delete(key: ContextKey<unknown>): this {
    delete (this as unknown as Record<symbol, unknown>)[key.id];
    return this;
  }
}
