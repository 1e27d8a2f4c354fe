import {
  create,
  type DescMessage,
  type DescMethodUnary,
  type DescService,
  type MessageInitShape,
} from '@bufbuild/protobuf';
import {
  Code,
  ConnectError,
  type ConnectRouter,
  type ConnectRouterOptions,
  createMethodImplSpec,
  createServiceImplSpec,
  type Interceptor,
  type MethodImplSpec,
  type UnaryRequest,
  type UnaryResponse,
} from '@connectrpc/connect';
import {
  createMethodSerializationLookup,
  type Serialization,
  type UniversalHandlerOptions,
  validateUniversalHandlerOptions,
} from '@connectrpc/connect/protocol';
import { CALL, type CallState, FastHandlerContext, type FastUnaryRequest } from './handler-context.js';

type UnaryImplSpec = Extract<MethodImplSpec, { kind: 'unary' }>;

/** One unary method served by the fast path, prepared once at start-up. */
export interface FastRoute {
  readonly method: DescMethodUnary;
  /** The options Connect's router would use for this method (router's, or the service's own). */
  readonly options: UniversalHandlerOptions;
  readonly input: Serialization<UnaryRequest['message']>;
  readonly output: Serialization<UnaryResponse['message']>;
  /** The handler wrapped in the method's interceptors, built once. */
  readonly invoke: (request: FastUnaryRequest) => Promise<UnaryResponse>;
}

/**
 * The unary methods of a Connect router, keyed by request path. It learns
 * them by standing in for the router during `routes(router)`: every
 * registration is passed on to Connect unchanged (which still serves
 * everything, and the methods the fast path declines), and unary methods are
 * also prepared here with the options Connect itself would resolve for them.
 */
export class RouteTable {
  private readonly routes = new Map<string, FastRoute>();
  private readonly base: UniversalHandlerOptions;

  constructor(private readonly routerOptions: ConnectRouterOptions) {
    this.base = validateUniversalHandlerOptions(routerOptions);
  }

  get(path: string): FastRoute | undefined {
    return this.routes.get(path);
  }

  /** The paths of the methods the fast path serves. */
  get paths(): string[] {
    return [...this.routes.keys()];
  }

  /** A router for `routes(router)` that records unary methods and forwards everything to `router`. */
  recording(router: ConnectRouter): ConnectRouter {
    const add = (spec: MethodImplSpec, service: DescService, options?: Partial<ConnectRouterOptions>) =>
      this.add(spec, service, options);
    const recording: ConnectRouter = {
      get handlers() {
        return router.handlers;
      },
      service(service, implementation, options) {
        router.service(service, implementation, options);
        const spec = createServiceImplSpec(service, implementation);
        for (const method of Object.values(spec.methods)) {
          add(method, service, options);
        }
        return recording;
      },
      rpc(method, impl, options) {
        router.rpc(method, impl, options);
        add(createMethodImplSpec(method, impl), method.parent, options);
        return recording;
      },
    };
    return recording;
  }

  private add(spec: MethodImplSpec, service: DescService, options: Partial<ConnectRouterOptions> | undefined): void {
    const path = `/${service.typeName}/${spec.method.name}`;
    // Connect's router merges a service's own options over the router's, and
    // drops the router's protocol switches when the service has options.
    const grpc = options === undefined ? this.routerOptions.grpc !== false : options.grpc !== false;
    const resolved = options === undefined ? this.base : validateUniversalHandlerOptions({ ...this.base, ...options });
    // A shutdown signal would have to abort calls nobody watches: left to Connect.
    if (spec.kind !== 'unary' || !grpc || resolved.shutdownSignal !== undefined) {
      // A later registration of the same path replaces an earlier one in Connect too.
      this.routes.delete(path);
      return;
    }
    this.routes.set(path, prepareRoute(spec, resolved));
  }
}

function prepareRoute(spec: UnaryImplSpec, options: UniversalHandlerOptions): FastRoute {
  const method = spec.method as DescMethodUnary;
  // Connect's own (de)serialisers with its size limits and error messages.
  const serialization = createMethodSerializationLookup(method, options.binaryOptions, options.jsonOptions, options);
  return {
    method,
    options,
    input: serialization.getI(true),
    output: serialization.getO(true),
    invoke: applyInterceptors(invokeHandler(spec, method), options.interceptors),
  };
}

/**
 * The innermost function of the chain, as Connect's: calls the handler with a
 * context drawn from the request it receives, normalises its answer, and
 * returns the call's response headers and trailers.
 */
function invokeHandler(
  spec: UnaryImplSpec,
  method: DescMethodUnary,
): (request: FastUnaryRequest) => Promise<UnaryResponse> {
  const output = method.output;
  const service = method.parent;
  const respond = (call: CallState, answer: MessageInitShape<DescMessage>): UnaryResponse =>
    ({
      stream: false,
      message: create(output, answer),
      method,
      service,
      header: call.responseHeader,
      trailer: call.responseTrailer,
    }) as UnaryResponse;
  // Not an async function: a synchronous handler's answer is wrapped in one
  // resolved promise instead of going through an extra await.
  return (request) => {
    try {
      const call = request[CALL];
      if (call === undefined) {
        throw new ConnectError(
          'interceptor passed on a request not made from the one it received (copy it with spread)',
          Code.Internal,
        );
      }
      const context = new FastHandlerContext(call, method, request.service, request);
      const answer = spec.impl(request.message, context);
      if (isThenable(answer)) {
        return settle(answer, call, respond);
      }
      return Promise.resolve(respond(call, answer));
    } catch (err) {
      return Promise.reject(err);
    }
  };
}

async function settle(
  answer: PromiseLike<MessageInitShape<DescMessage>>,
  call: CallState,
  respond: (call: CallState, answer: MessageInitShape<DescMessage>) => UnaryResponse,
): Promise<UnaryResponse> {
  return respond(call, await answer);
}

/**
 * Connect's `applyInterceptors`, once per method rather than per call: the
 * interceptor factories run at start-up and the chain is reused. Interceptors
 * that keep per-call state must keep it inside the function they return (as
 * all of ours do); connect-go wraps once per handler, too.
 */
function applyInterceptors(
  inner: (request: FastUnaryRequest) => Promise<UnaryResponse>,
  interceptors: readonly Interceptor[],
): (request: FastUnaryRequest) => Promise<UnaryResponse> {
  type AnyFn = Parameters<Interceptor>[0];
  const chain = interceptors.reduceRight<AnyFn>((next, interceptor) => interceptor(next), inner as AnyFn);
  return chain as (request: FastUnaryRequest) => Promise<UnaryResponse>;
}

/** Whether a handler's or gate's answer is a promise, to await only then. */
export function isThenable<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === 'function';
}
