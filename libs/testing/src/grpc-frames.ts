import { create, toBinary } from '@bufbuild/protobuf';
import { Code, ConnectError } from '@connectrpc/connect';
import { GreeterService, SayHelloRequestSchema } from '@protomesh/proto/greeter/v1';
import * as http2 from 'node:http2';

export const SAY_HELLO_PATH = `/${GreeterService.typeName}/${GreeterService.method.sayHello.name}`;

/** A SayHelloRequest on the wire, before its gRPC frame. */
export function sayHelloMessage(name = 'reliability'): Uint8Array {
  return toBinary(SayHelloRequestSchema, create(SayHelloRequestSchema, { name }));
}

/** How a Connect client call ended: 'OK' or the name of its Code. */
export function codeOf(call: Promise<unknown>): Promise<string> {
  return call.then(
    () => 'OK',
    (err: unknown) => Code[ConnectError.from(err).code],
  );
}

/** Length-prefixed gRPC message: flags byte, big-endian length (which may lie), payload. */
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
      resolve(rawResponse(responseHeaders, trailers, Buffer.concat(chunks)));
    });
    if (keepOpen) {
      stream.write(body);
    } else {
      stream.end(body);
    }
  });
}

/** A response as received: the gRPC status and message from the trailers, or from the headers of a trailers-only one. */
export function rawResponse(
  headers: http2.IncomingHttpHeaders,
  trailers: http2.IncomingHttpHeaders,
  body: Buffer,
): RawResponse {
  const status = trailers['grpc-status'] ?? headers['grpc-status'];
  const message = trailers['grpc-message'] ?? headers['grpc-message'];
  return {
    status: Number(headers[':status']),
    headers,
    trailers,
    body,
    grpcStatus: status === undefined ? undefined : Number(status),
    grpcMessage: message === undefined ? undefined : decodeURIComponent(String(message)),
  };
}

/**
 * What a client can see of a response, minus the date (which differs from
 * call to call): for comparing two servers' answers to the same request.
 */
export function observableResponse(response: RawResponse) {
  const headers = { ...response.headers };
  delete headers.date;
  return {
    status: response.status,
    headers,
    trailers: response.trailers,
    trailersOnly: Object.keys(response.trailers).length === 0 && response.headers['grpc-status'] !== undefined,
    body: response.body.toString('hex'),
  };
}
