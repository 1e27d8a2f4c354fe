import { create, toBinary } from '@bufbuild/protobuf';
import { Code, ConnectError } from '@connectrpc/connect';
import { SayHelloRequestSchema } from '@protomesh/proto/greeter/v1';
import * as http2 from 'node:http2';
import {
  grpcFrame,
  type Loopback,
  loopbackServerOptions,
  rawGrpcRequest,
  SAY_HELLO_PATH,
  serveOnLoopback,
  TEST_INSTANCE,
} from '@protomesh/testing';
import { createGrpcServer, type GrpcServer } from './grpc-server.js';

const READ_MAX_BYTES = 1024;
const body = (name: string) => grpcFrame(toBinary(SayHelloRequestSchema, create(SayHelloRequestSchema, { name })));

interface Observed {
  readonly headers: http2.IncomingHttpHeaders;
  /** Undefined when no trailers frame came: a Trailers-Only response. */
  readonly trailers: http2.IncomingHttpHeaders | undefined;
  readonly grpcStatus: number | undefined;
  readonly resetCode: number;
}

/**
 * A client that declares the whole of a large request in content-length,
 * sends part of it, and ends its stream as soon as the response headers
 * arrive, as connect-go's client does when the server answers early. The
 * request is then shorter than declared, and the server's HTTP/2 layer
 * resets the stream with PROTOCOL_ERROR.
 */
function uploadEndedOnResponse(url: string, declaredBytes: number, sentBytes: Buffer): Promise<Observed> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(url);
    session.on('error', reject);
    const stream = session.request({
      ':method': 'POST',
      ':path': SAY_HELLO_PATH,
      'content-type': 'application/grpc',
      'content-length': String(declaredBytes),
      te: 'trailers',
    });
    let headers: http2.IncomingHttpHeaders = {};
    let trailers: http2.IncomingHttpHeaders | undefined;
    stream.on('response', (h) => {
      headers = h;
      stream.end();
    });
    stream.on('trailers', (t) => (trailers = t));
    stream.on('error', () => undefined); // the reset, if any, is in rstCode
    stream.resume();
    stream.on('close', () => {
      session.destroy();
      const status = trailers?.['grpc-status'] ?? headers['grpc-status'];
      resolve({
        headers,
        trailers,
        grpcStatus: status === undefined ? undefined : Number(status),
        resetCode: stream.rstCode ?? 0,
      });
    });
    stream.write(sentBytes);
  });
}

describe('responses on the wire', () => {
  let loopback: Loopback<GrpcServer>;

  beforeAll(async () => {
    loopback = await serveOnLoopback(
      createGrpcServer(
        loopbackServerOptions({
          readMaxBytes: READ_MAX_BYTES,
          sayHello: (request, context) => {
            if (request.name === 'fail') {
              throw new ConnectError('refused', Code.FailedPrecondition);
            }
            if (request.name === 'fail-with-metadata') {
              context.responseHeader.set('x-custom-header', 'foo');
              context.responseTrailer.set('x-custom-trailer', 'bar');
              throw new ConnectError('refused', Code.FailedPrecondition);
            }
            return { message: 'ok' };
          },
        }),
      ),
    );
  });

  afterAll(async () => {
    await loopback.close();
  });

  it('sends a failure before any message as Trailers-Only: status in the one HEADERS frame', async () => {
    const response = await rawGrpcRequest(loopback.url, { body: body('fail') });
    expect(response.headers).toMatchObject({
      ':status': 200,
      'content-type': 'application/grpc+proto',
      'grpc-status': String(Code.FailedPrecondition),
      'grpc-message': 'refused',
      'x-server-instance': TEST_INSTANCE,
    });
    expect(response.trailers).toEqual({});
    expect(response.body.byteLength).toBe(0);
  });

  it('keeps headers and trailers apart when the handler set metadata of its own', async () => {
    const response = await rawGrpcRequest(loopback.url, { body: body('fail-with-metadata') });
    expect(response.headers).toMatchObject({ ':status': 200, 'x-custom-header': 'foo' });
    expect(response.headers['grpc-status']).toBeUndefined();
    expect(response.trailers).toMatchObject({
      'grpc-status': String(Code.FailedPrecondition),
      'x-custom-trailer': 'bar',
    });
  });

  it('sends a successful response as headers, message, trailers', async () => {
    const response = await rawGrpcRequest(loopback.url, { body: body('x') });
    expect(response.headers['grpc-status']).toBeUndefined();
    expect(response.trailers).toMatchObject({ 'grpc-status': '0' });
    expect(response.body.byteLength).toBeGreaterThan(5);
  });

  // The conformance runner's connect-go client does this. With headers and
  // trailers in separate frames, whether its END_STREAM arrives before the
  // trailers leave is a matter of timing (about half the runs there, rarely
  // here); with Trailers-Only the status always leaves first.
  it('answers an oversized upload Trailers-Only, so a client ending its stream on the response headers still gets RESOURCE_EXHAUSTED', async () => {
    // 64 KiB fit the initial flow-control window: all of it reaches the server at once.
    const sent = grpcFrame(Buffer.alloc(64 * 1024 - 5, 1));
    const declared = 200 * 1024;
    for (let attempt = 0; attempt < 3; attempt++) {
      const observed = await uploadEndedOnResponse(loopback.url, declared, sent);
      expect({ attempt, status: observed.grpcStatus }).toEqual({ attempt, status: Code.ResourceExhausted });
      expect(observed.trailers).toBeUndefined();
    }
  });
});
