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

const SOURCE = Symbol('protomesh.fastPath.signalSource');

interface SignalSource {
  readonly signal: AbortSignal;
}

// `signal` is an own accessor, like connect-node's own data property it can be
// copied with spread (the copy reads it, making it), while an untouched call
// never makes one. One shared getter, so no closure per call.
const REQUEST_SIGNAL: PropertyDescriptor = {
  get(this: FastUnaryRequest) {
    return this[CALL].signal;
  },
  enumerable: true,
  configurable: true,
};
const CONTEXT_SIGNAL: PropertyDescriptor = {
  get(this: { [SOURCE]: SignalSource }) {
    return this[SOURCE].signal;
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
 */
export function createHandlerContext(
  call: CallState,
  method: DescMethodUnary,
  service: DescService,
  requestHeader: Headers,
  values: ContextValues,
  source: SignalSource,
): HandlerContext {
  const context = {
    method,
    service,
    requestMethod: 'POST',
    protocolName: 'grpc',
    url: call.url,
    timeoutMs: call.timeoutMs,
    requestHeader,
    responseHeader: call.responseHeader,
    responseTrailer: call.responseTrailer,
    values,
    [SOURCE]: source,
  };
  Object.defineProperty(context, 'signal', CONTEXT_SIGNAL);
  return context as unknown as HandlerContext;
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
