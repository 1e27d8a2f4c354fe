import {
  type Client,
  type ConnectRouter,
  createClient,
  type Interceptor,
  type ServiceImpl,
  type Transport,
} from '@connectrpc/connect';
import { connectNodeAdapter, createGrpcTransport, Http2SessionManager } from '@connectrpc/connect-node';
import { GreeterService } from '@protomesh/proto/greeter/v1';
import { createLogger } from '@protomesh/runtime';
import * as http2 from 'node:http2';
import type { AddressInfo } from 'node:net';

export const TEST_INSTANCE = 'loopback-instance';
export const TEST_VERSION = '9.9.9-test';

export type SayHelloHandler = ServiceImpl<typeof GreeterService>['sayHello'];

export const greet: SayHelloHandler = (request) => ({ message: `Hello, ${request.name}!` });

/**
 * Options for a createGrpcServer on 127.0.0.1 at a free port serving
 * GreeterService with `sayHello` (default: a plain greeting), silent, naming
 * itself TEST_INSTANCE and TEST_VERSION; any other option given wins. Plain
 * data, so this library needs no dependency on the server it tests.
 */
export function loopbackServerOptions<
  T extends { sayHello?: SayHelloHandler; routes?: (router: ConnectRouter) => void; [option: string]: unknown },
>(options: T = {} as T) {
  const { sayHello = greet, ...overrides } = options;
  return {
    host: '127.0.0.1',
    port: 0,
    instance: TEST_INSTANCE,
    version: TEST_VERSION,
    maxTimeoutMs: 5 * 60_000,
    logger: createLogger('loopback', 'silent'),
    routes: (router: ConnectRouter) => router.service(GreeterService, { sayHello }),
    ...overrides,
  };
}

/** What a server under test must offer to be served on loopback. */
export interface ListeningServer {
  listen(): Promise<AddressInfo>;
  /** Stops the server, waiting at most `timeoutMs` for calls in flight. */
  drain(timeoutMs: number): Promise<unknown>;
}

export interface Loopback<S extends ListeningServer = ListeningServer> {
  readonly server: S;
  readonly url: string;
  readonly port: number;
  /** A Connect gRPC transport on one HTTP/2 connection, for any service. */
  readonly transport: Transport;
  readonly greeter: Client<typeof GreeterService>;
  /** Closes the client connection, then drains (or forces) the server. */
  close(): Promise<void>;
}

/** Starts `server` (configured for 127.0.0.1) and connects a client to it. */
export async function serveOnLoopback<S extends ListeningServer>(server: S): Promise<Loopback<S>> {
  const { port } = await server.listen();
  const url = `http://127.0.0.1:${port}`;
  const { transport, close } = loopbackTransport(url);
  return {
    server,
    url,
    port,
    transport,
    greeter: createClient(GreeterService, transport),
    async close() {
      close();
      await server.drain(1_000);
    },
  };
}

export interface LoopbackTransport {
  readonly transport: Transport;
  readonly sessionManager: Http2SessionManager;
  close(): void;
}

/** A gRPC transport on one HTTP/2 connection that the test can close. */
export function loopbackTransport(url: string, interceptors: Interceptor[] = []): LoopbackTransport {
  const sessionManager = new Http2SessionManager(url);
  return {
    transport: createGrpcTransport({ baseUrl: url, sessionManager, interceptors }),
    sessionManager,
    close: () => sessionManager.abort(),
  };
}

/** Sees each request first; returns true when it has answered it itself. */
export type RequestInterceptor = (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => boolean;

export interface ConnectServer {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * A plain gRPC-only connect-node server on 127.0.0.1 at a free port, for
 * specs of interceptors and clients that need a real socket but none of our
 * server's behaviour.
 */
export async function startConnectServer(
  routes: (router: ConnectRouter) => void,
  interceptors: Interceptor[] = [],
  intercept?: RequestInterceptor,
): Promise<ConnectServer> {
  const handler = connectNodeAdapter({ grpc: true, grpcWeb: false, connect: false, routes, interceptors });
  const server = http2.createServer((req, res) => {
    if (!intercept?.(req, res)) {
      handler(req, res);
    }
  });
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        sessions.forEach((session) => session.destroy());
      }),
  };
}
