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
  readonly requestHeader: Headers;
  readonly values: ContextValues;
  readonly responseHeader: Headers;
  readonly responseTrailer: Headers;
  readonly timeoutMs: () => number | undefined;
}

export const CALL = Symbol('protomesh.fastPath.call');

export type FastUnaryRequest = UnaryRequest & { readonly [CALL]: CallState };

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
 * A HandlerContext as connect-node builds it. For the handler (`request`
 * given): the service, request headers, context values and signal of the
 * request that reached it, which interceptors may have replaced. For the
 * request gate (no request yet): the call's own. The call's response headers
 * and deadline in both.
 *
 * What comes from the call is read through getters on the prototype, so a
 * gate context makes nothing the call does not need yet, and the signal is
 * made only when read. (A copy of a context made with spread would lack
 * them; handlers read their context rather than copy it.)
 */
export class FastHandlerContext implements HandlerContext {
  readonly requestMethod = 'POST';
  readonly protocolName = 'grpc';
  readonly service: DescService;
  readonly #call: CallState;
  readonly #request: FastUnaryRequest | undefined;

  constructor(
    call: CallState,
    readonly method: DescMethodUnary,
    service: DescService,
    request?: FastUnaryRequest,
  ) {
    this.#call = call;
    this.service = service;
    this.#request = request;
  }

  get url(): string {
    return this.#call.url;
  }

  get timeoutMs(): () => number | undefined {
    return this.#call.timeoutMs;
  }

  get requestHeader(): Headers {
    return this.#request === undefined ? this.#call.requestHeader : this.#request.header;
  }

  get values(): ContextValues {
    return this.#request === undefined ? this.#call.values : this.#request.contextValues;
  }

  get responseHeader(): Headers {
    return this.#call.responseHeader;
  }

  get responseTrailer(): Headers {
    return this.#call.responseTrailer;
  }

  get signal(): AbortSignal {
    return this.#request === undefined ? this.#call.signal : this.#request.signal;
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
