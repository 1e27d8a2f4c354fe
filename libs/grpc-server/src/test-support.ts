// Shared by the specs only: excluded from tsconfig.lib.json, so it never ships.
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { type Client, createClient, type ServiceImpl, type Transport } from '@connectrpc/connect';
import { createGrpcTransport, Http2SessionManager } from '@connectrpc/connect-node';
import * as grpc from '@grpc/grpc-js';
import {
  GreeterService,
  type SayHelloRequest,
  SayHelloRequestSchema,
  SayHelloResponseSchema,
} from '@protomesh/proto/greeter/v1';
import { createLogger } from '@protomesh/runtime';
import * as http2 from 'node:http2';
import { types } from 'node:util';
import { createGrpcServer, type GrpcServer } from './grpc-server.js';
import type { GrpcServerOptions } from './server-options.js';

// Jest runs specs in their own realm, where errors made by Node itself (zlib,
// net, http2) fail `instanceof Error`. Connect sorts those errors into gRPC
// codes with instanceof, so without this they would all read INTERNAL here
// while production reports e.g. RESOURCE_EXHAUSTED for an inflated message.
const ordinaryHasInstance = Function.prototype[Symbol.hasInstance];
Object.defineProperty(Error, Symbol.hasInstance, {
  value(this: unknown, value: unknown): boolean {
    return ordinaryHasInstance.call(this, value) || (this === Error && types.isNativeError(value));
  },
});

export const TEST_INSTANCE = 'loopback-instance';
export const TEST_VERSION = '9.9.9-test';
export const SAY_HELLO_PATH = `/${GreeterService.typeName}/${GreeterService.method.sayHello.name}`;

export type SayHelloHandler = ServiceImpl<typeof GreeterService>['sayHello'];

export const greet: SayHelloHandler = (request) => ({ message: `Hello, ${request.name}!` });

export type LoopbackOptions = Partial<Omit<GrpcServerOptions, 'routes' | 'logger' | 'host' | 'port'>> & {
  /** The test's SayHello. Default: a plain greeting. */
  sayHello?: SayHelloHandler;
};

export interface Loopback {
  readonly server: GrpcServer;
  readonly url: string;
  readonly port: number;
  /** A Connect gRPC transport on one HTTP/2 connection, for any service. */
  readonly transport: Transport;
  readonly greeter: Client<typeof GreeterService>;
  /** Closes the client connection, then drains (or forces) the server. */
  close(): Promise<void>;
}

/** A createGrpcServer serving GreeterService on 127.0.0.1 at a free port, and a client for it. */
export async function startLoopback(options: LoopbackOptions = {}): Promise<Loopback> {
  const { sayHello = greet, ...serverOptions } = options;
  const server = createGrpcServer({
    instance: TEST_INSTANCE,
    version: TEST_VERSION,
    logger: createLogger('grpc-server-spec', 'silent'),
    routes: (router) => router.service(GreeterService, { sayHello }),
    ...serverOptions,
    host: '127.0.0.1',
    port: 0,
  });
  const { port } = await server.listen();
  const url = `http://127.0.0.1:${port}`;
  const sessionManager = new Http2SessionManager(url);
  const transport = createGrpcTransport({ baseUrl: url, sessionManager });
  return {
    server,
    url,
    port,
    transport,
    greeter: createClient(GreeterService, transport),
    async close() {
      sessionManager.abort();
      await server.drain(1_000);
    },
  };
}

/** Length-prefixed gRPC message: flags byte, big-endian length, payload. */
export function grpcFrame(payload: Uint8Array, flags = 0, length = payload.byteLength): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt8(flags, 0);
  header.writeUInt32BE(length, 1);
  return Buffer.concat([header, payload]);
}

export interface RawResponse {
  readonly status: number;
  readonly headers: http2.IncomingHttpHeaders;
  readonly trailers: http2.IncomingHttpHeaders;
  readonly body: Buffer;
  /** From the trailers, or from the headers of a trailers-only response. */
  readonly grpcStatus: number | undefined;
  readonly grpcMessage: string | undefined;
}

export interface RawRequest {
  readonly path?: string;
  readonly headers?: http2.OutgoingHttpHeaders;
  readonly body?: Uint8Array;
  /** Leave the request stream open after the body, as a slow or lying client would. Default false. */
  readonly keepOpen?: boolean;
  /** Give up after this long. Default 5 s. */
  readonly timeoutMs?: number;
}

/**
 * One request over a fresh node:http2 connection, with nothing between the
 * test and the wire: for requests no well-behaved client library would send.
 */
export function rawGrpcRequest(url: string, request: RawRequest = {}): Promise<RawResponse> {
  const { path = SAY_HELLO_PATH, headers = {}, body = new Uint8Array(), keepOpen = false, timeoutMs = 5_000 } = request;
  return new Promise((resolve, reject) => {
    const session = http2.connect(url);
    const fail = (err: Error) => {
      clearTimeout(timer);
      session.destroy();
      reject(err);
    };
    const timer = setTimeout(() => fail(new Error(`no response within ${timeoutMs} ms`)), timeoutMs);
    session.on('error', fail);
    const stream = session.request({
      ':method': 'POST',
      ':path': path,
      'content-type': 'application/grpc',
      te: 'trailers',
      ...headers,
    });
    let responseHeaders: http2.IncomingHttpHeaders = {};
    let trailers: http2.IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    stream.on('response', (h) => (responseHeaders = h));
    stream.on('trailers', (t) => (trailers = t));
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('error', fail);
    stream.on('end', () => {
      clearTimeout(timer);
      session.destroy();
      const status = trailers['grpc-status'] ?? responseHeaders['grpc-status'];
      const message = trailers['grpc-message'] ?? responseHeaders['grpc-message'];
      resolve({
        status: Number(responseHeaders[':status']),
        headers: responseHeaders,
        trailers,
        body: Buffer.concat(chunks),
        grpcStatus: status === undefined ? undefined : Number(status),
        grpcMessage: message === undefined ? undefined : decodeURIComponent(String(message)),
      });
    });
    if (keepOpen) {
      stream.write(body);
    } else {
      stream.end(body);
    }
  });
}

export interface PeerResult {
  /** The gRPC status code; 0 for OK. */
  readonly code: number;
  readonly message: string;
}

/**
 * SayHello through @grpc/grpc-js, an independent gRPC implementation, for
 * how a standard client reports what the server did. Close the client after.
 */
export function createPeerClient(url: string): {
  sayHello(name: string): Promise<PeerResult>;
  close(): void;
} {
  const client = new grpc.Client(new URL(url).host, grpc.credentials.createInsecure());
  return {
    sayHello(name) {
      return new Promise((resolve) => {
        client.makeUnaryRequest(
          SAY_HELLO_PATH,
          (request: SayHelloRequest) => Buffer.from(toBinary(SayHelloRequestSchema, request)),
          (bytes: Buffer) => fromBinary(SayHelloResponseSchema, bytes),
          create(SayHelloRequestSchema, { name }),
          (err, response) =>
            resolve(err ? { code: err.code, message: err.details } : { code: 0, message: response?.message ?? '' }),
        );
      });
    },
    close() {
      client.close();
    },
  };
}
