import { create, toBinary } from '@bufbuild/protobuf';
import { Code } from '@connectrpc/connect';
import { SayHelloRequestSchema } from '@protomesh/proto/greeter/v1';
import { gzipSync } from 'node:zlib';
import {
  codeOf,
  grpcFrame,
  type Loopback,
  loopbackServerOptions,
  rawGrpcRequest,
  serveOnLoopback,
} from '@protomesh/testing';
import { createGrpcServer, type GrpcServer } from './grpc-server.js';

const READ_MAX_BYTES = 1024;
const MAX_TIMEOUT_MS = 10_000;

/** A SayHelloRequest whose encoding is exactly `bytes` long (tag + 2-byte length + name). */
function requestOfSize(bytes: number) {
  const request = create(SayHelloRequestSchema, { name: 'x'.repeat(bytes - 3) });
  expect(toBinary(SayHelloRequestSchema, request).byteLength).toBe(bytes);
  return request;
}

describe('request limits and malformed input', () => {
  let loopback: Loopback<GrpcServer>;
  let handled: number;

  beforeAll(async () => {
    loopback = await serveOnLoopback(
      createGrpcServer(
        loopbackServerOptions({
          readMaxBytes: READ_MAX_BYTES,
          maxTimeoutMs: MAX_TIMEOUT_MS,
          sayHello: (request) => {
            handled++;
            return { message: `${request.name.length} characters` };
          },
        }),
      ),
    );
  });

  beforeEach(() => {
    handled = 0;
  });

  afterEach(async () => {
    // Whatever the previous request did, the server keeps serving.
    await expect(loopback.greeter.sayHello({ name: 'still here' })).resolves.toMatchObject({
      message: '10 characters',
    });
  });

  afterAll(async () => {
    await loopback.close();
  });

  describe('size', () => {
    it('accepts a message of exactly readMaxBytes', async () => {
      const response = await loopback.greeter.sayHello(requestOfSize(READ_MAX_BYTES));
      expect(response.message).toBe(`${READ_MAX_BYTES - 3} characters`);
    });

    it('refuses a message one byte larger with RESOURCE_EXHAUSTED, before the handler', async () => {
      expect(await codeOf(loopback.greeter.sayHello(requestOfSize(READ_MAX_BYTES + 1)))).toBe('ResourceExhausted');
      expect(handled).toBe(0);
    });

    it('refuses a length prefix claiming 4 GiB at once, without waiting for or allocating the body', async () => {
      const before = process.memoryUsage().arrayBuffers;
      // The request stream stays open: an answer proves the server judged the prefix alone.
      const response = await rawGrpcRequest(loopback.url, {
        body: grpcFrame(new Uint8Array(), 0, 0xffff_ffff),
        keepOpen: true,
      });
      expect(response.grpcStatus).toBe(Code.ResourceExhausted);
      expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 1024 * 1024);
      expect(handled).toBe(0);
    });

    it('refuses a small compressed message that inflates past readMaxBytes', async () => {
      const inflated = toBinary(SayHelloRequestSchema, requestOfSize(READ_MAX_BYTES + 1));
      const response = await rawGrpcRequest(loopback.url, {
        headers: { 'grpc-encoding': 'gzip' },
        body: grpcFrame(gzipSync(inflated), 1),
      });
      expect(response.grpcStatus).toBe(Code.ResourceExhausted);
      expect(handled).toBe(0);
    });

    it('accepts a compressed message within the limit', async () => {
      const response = await rawGrpcRequest(loopback.url, {
        headers: { 'grpc-encoding': 'gzip' },
        body: grpcFrame(gzipSync(toBinary(SayHelloRequestSchema, requestOfSize(READ_MAX_BYTES))), 1),
      });
      expect(response.grpcStatus).toBe(0);
      expect(handled).toBe(1);
    });
  });

  // Codes follow grpc/doc/statuscodes.md where it names the case.
  describe('malformed input', () => {
    it('answers a body that is not protobuf with INTERNAL ("error parsing request proto")', async () => {
      const response = await rawGrpcRequest(loopback.url, { body: grpcFrame(Buffer.from([0xff, 0xff, 0xff, 0xff])) });
      expect(response.status).toBe(200);
      expect(response.grpcStatus).toBe(Code.Internal);
      expect(handled).toBe(0);
    });

    // statuscodes.md has no row for a cut-off frame; grpc-go says INTERNAL,
    // Connect says INVALID_ARGUMENT (the client sent a broken request) and
    // answers before any interceptor runs, so that is what clients get here.
    it.each([
      ['a frame shorter than its length prefix', grpcFrame(Buffer.from('abc'), 0, 10)],
      ['a cut-off length prefix', Buffer.from([0, 0, 0])],
    ])('answers %s with INVALID_ARGUMENT', async (_case, body) => {
      const response = await rawGrpcRequest(loopback.url, { body });
      expect(response.status).toBe(200);
      expect(response.grpcStatus).toBe(Code.InvalidArgument);
      expect(handled).toBe(0);
    });

    it('answers a compressed flag without grpc-encoding with INTERNAL', async () => {
      const payload = toBinary(SayHelloRequestSchema, create(SayHelloRequestSchema, { name: 'x' }));
      const response = await rawGrpcRequest(loopback.url, { body: grpcFrame(payload, 1) });
      expect(response.grpcStatus).toBe(Code.Internal);
      expect(handled).toBe(0);
    });

    it('answers an unsupported grpc-encoding with UNIMPLEMENTED, naming the encodings it accepts', async () => {
      const response = await rawGrpcRequest(loopback.url, {
        headers: { 'grpc-encoding': 'snappy' },
        body: grpcFrame(Buffer.from('x'), 1),
      });
      expect(response.grpcStatus).toBe(Code.Unimplemented);
      expect(response.grpcMessage).toContain('gzip');
      expect(handled).toBe(0);
    });

    it('answers a wrong content-type with HTTP 415', async () => {
      const response = await rawGrpcRequest(loopback.url, {
        headers: { 'content-type': 'application/json' },
        body: Buffer.from('{"name":"json"}'),
      });
      expect(response.status).toBe(415);
      expect(handled).toBe(0);
    });

    it.each(['/greeter.v1.GreeterService/SayGoodbye', '/no.such.v1.Service/Method'])(
      'answers the unknown method %s with HTTP 200 and grpc-status 12',
      async (path) => {
        const response = await rawGrpcRequest(loopback.url, { path, body: grpcFrame(new Uint8Array()) });
        expect(response.status).toBe(200);
        expect(response.grpcStatus).toBe(Code.Unimplemented);
        expect(response.grpcMessage).toContain(path);
      },
    );
  });

  describe('deadlines', () => {
    it('refuses a grpc-timeout longer than maxTimeoutMs with INVALID_ARGUMENT', async () => {
      expect(await codeOf(loopback.greeter.sayHello({ name: 'patient' }, { timeoutMs: MAX_TIMEOUT_MS + 1_000 }))).toBe(
        'InvalidArgument',
      );
      expect(handled).toBe(0);
    });

    it('accepts a grpc-timeout within maxTimeoutMs', async () => {
      expect(await codeOf(loopback.greeter.sayHello({ name: 'prompt' }, { timeoutMs: MAX_TIMEOUT_MS }))).toBe('OK');
      expect(handled).toBe(1);
    });

    it('refuses a malformed grpc-timeout with INVALID_ARGUMENT', async () => {
      const response = await rawGrpcRequest(loopback.url, {
        headers: { 'grpc-timeout': 'soon' },
        body: grpcFrame(new Uint8Array()),
      });
      expect(response.grpcStatus).toBe(Code.InvalidArgument);
      expect(handled).toBe(0);
    });
  });
});

describe('default receive limit', () => {
  let loopback: Loopback<GrpcServer>;

  beforeAll(async () => {
    loopback = await serveOnLoopback(createGrpcServer(loopbackServerOptions()));
  });

  afterAll(async () => {
    await loopback.close();
  });

  it('is 4 MiB, as in grpc-go and grpc-java', async () => {
    const limit = 4 * 1024 * 1024;
    // Field 1 with a 4-byte length varint: 5 bytes of framing inside the message.
    const at = create(SayHelloRequestSchema, { name: 'x'.repeat(limit - 5) });
    const over = create(SayHelloRequestSchema, { name: 'x'.repeat(limit - 4) });
    expect(toBinary(SayHelloRequestSchema, at).byteLength).toBe(limit);
    expect(await codeOf(loopback.greeter.sayHello(at))).toBe('OK');
    expect(await codeOf(loopback.greeter.sayHello(over))).toBe('ResourceExhausted');
  });
});
