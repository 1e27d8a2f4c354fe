import { create, toBinary } from '@bufbuild/protobuf';
import { Code, ConnectError } from '@connectrpc/connect';
import { SayHelloRequestSchema, SayHelloResponseSchema } from '@protomesh/proto/greeter/v1';
import { gzipSync } from 'node:zlib';
import { InvalidFieldError } from '@protomesh/grpc-core';
import {
  grpcFrame,
  type Loopback,
  loopbackServerOptions,
  observableResponse,
  rawGrpcRequest,
  type RawRequest,
  type RawResponse,
  type SayHelloHandler,
  serveOnLoopback,
} from '@protomesh/testing';
import { createGrpcServer, type GrpcServer } from '../grpc-server.js';

// Every request below goes to two servers built from the same options, one
// on connect-node only and one with the unary fast path, and both answers
// must be the same on the wire (status, headers, trailers, trailers-only or
// not, body bytes). Each case also states what that answer is.

const MIB = 1024 * 1024;
const MAX_TIMEOUT_MS = 10_000;

const encode = (name: string) => toBinary(SayHelloRequestSchema, create(SayHelloRequestSchema, { name }));
const message = (name: string) => grpcFrame(encode(name));
const responseFrame = (text: string) =>
  grpcFrame(toBinary(SayHelloResponseSchema, create(SayHelloResponseSchema, { message: text })));

/** A SayHelloRequest whose encoding is exactly `bytes` long (tag + 4-byte varint length + name). */
function nameOfEncodedSize(bytes: number): string {
  const name = 'x'.repeat(bytes - 5);
  expect(encode(name).byteLength).toBe(bytes);
  return name;
}

const handler: SayHelloHandler = (request, context) => {
  switch (request.name) {
    case 'metadata':
      context.responseHeader.set('x-echo', context.requestHeader.get('x-custom') ?? '');
      context.responseHeader.set('x-echo-bin', context.requestHeader.get('x-custom-bin') ?? '');
      context.responseTrailer.set('x-trailer-bin', context.requestHeader.get('x-custom-bin') ?? '');
      return { message: 'metadata' };
    case 'details':
      context.responseHeader.set('x-before-error', 'set');
      throw new ConnectError(
        'not here: 100% sure, naïve',
        Code.NotFound,
        { 'x-error-meta': 'yes', 'x-error-meta-bin': 'AAEC' },
        [{ desc: SayHelloResponseSchema, value: { message: 'a detail' } }],
      );
    case 'invalid':
      throw new InvalidFieldError('name', 'must be kind');
    case 'bug':
      throw new Error('postgres://admin:secret@db');
    case 'long':
      return { message: 'y'.repeat(4096) };
    default:
      return { message: `${request.name.length} characters` };
  }
};

interface Case {
  readonly request: RawRequest;
  /** What both paths answer. */
  readonly expected: Partial<Pick<RawResponse, 'status' | 'grpcStatus' | 'grpcMessage'>> & {
    readonly trailersOnly?: boolean;
    readonly headers?: Record<string, string>;
    readonly trailers?: Record<string, string>;
    readonly body?: Buffer;
  };
}

const bombPayload = gzipSync(Buffer.alloc(64 * MIB));

const cases: Record<string, Case> = {
  'OK (application/grpc)': {
    request: { body: message('bench') },
    expected: { grpcStatus: 0, trailersOnly: false, body: responseFrame('5 characters') },
  },
  'OK (application/grpc+proto)': {
    request: { headers: { 'content-type': 'application/grpc+proto' }, body: message('bench') },
    expected: { grpcStatus: 0, headers: { 'content-type': 'application/grpc+proto' } },
  },
  'custom and -bin metadata, both ways': {
    request: { headers: { 'x-custom': 'plain value', 'x-custom-bin': 'AQID/w' }, body: message('metadata') },
    expected: {
      grpcStatus: 0,
      headers: { 'x-echo': 'plain value', 'x-echo-bin': 'AQID/w' },
      trailers: { 'x-trailer-bin': 'AQID/w' },
    },
  },
  'ConnectError with metadata and details (percent-encoded message, details-bin)': {
    request: { body: message('details') },
    expected: {
      grpcStatus: Code.NotFound,
      grpcMessage: 'not here: 100% sure, naïve',
      trailersOnly: false,
      headers: { 'x-before-error': 'set' },
      trailers: {
        'grpc-message': encodeURIComponent('not here: 100% sure, naïve'),
        'x-error-meta': 'yes',
        'x-error-meta-bin': 'AAEC',
      },
    },
  },
  'a domain error (error mapping)': {
    request: { body: message('invalid') },
    expected: { grpcStatus: Code.InvalidArgument, grpcMessage: 'name: must be kind' },
  },
  'a bug (error mapping hides the message)': {
    request: { body: message('bug') },
    expected: { grpcStatus: Code.Unknown, grpcMessage: 'internal error' },
  },
  'grpc-encoding identity': {
    request: { headers: { 'grpc-encoding': 'identity' }, body: message('plain') },
    expected: { grpcStatus: 0, body: responseFrame('5 characters') },
  },
  'a gzip request': {
    request: { headers: { 'grpc-encoding': 'gzip' }, body: grpcFrame(gzipSync(encode('zipped')), 1) },
    expected: { grpcStatus: 0, headers: { 'grpc-encoding': 'gzip' }, body: responseFrame('6 characters') },
  },
  'an unknown grpc-encoding': {
    request: { headers: { 'grpc-encoding': 'snappy' }, body: grpcFrame(Buffer.from('x'), 1) },
    expected: {
      grpcStatus: Code.Unimplemented,
      grpcMessage: 'unknown compression "snappy": supported encodings are gzip,br',
      headers: { 'grpc-accept-encoding': 'gzip,br' },
    },
  },
  'a compressed flag without grpc-encoding': {
    request: { body: grpcFrame(encode('x'), 1) },
    expected: { grpcStatus: Code.Internal },
  },
  'a gzip response when accepted and over 1 KiB': {
    request: { headers: { 'grpc-accept-encoding': 'gzip' }, body: message('long') },
    expected: { grpcStatus: 0, headers: { 'grpc-encoding': 'gzip' } },
  },
  'a message of exactly 4 MiB': {
    request: { body: message(nameOfEncodedSize(4 * MIB)) },
    expected: { grpcStatus: 0 },
  },
  'a message of 4 MiB + 1': {
    request: { body: message(nameOfEncodedSize(4 * MIB + 1)) },
    expected: {
      grpcStatus: Code.ResourceExhausted,
      grpcMessage: `message size ${4 * MIB + 1} is larger than configured readMaxBytes ${4 * MIB}`,
    },
  },
  'a length prefix of 4 GiB on a request left open': {
    request: { body: grpcFrame(new Uint8Array(), 0, 0xffff_ffff), keepOpen: true },
    expected: { grpcStatus: Code.ResourceExhausted },
  },
  'a gzip bomb (64 KiB inflating to 64 MiB)': {
    request: { headers: { 'grpc-encoding': 'gzip' }, body: grpcFrame(bombPayload, 1) },
    expected: {
      grpcStatus: Code.ResourceExhausted,
      grpcMessage: `message is larger than configured readMaxBytes ${4 * MIB} after decompression`,
    },
  },
  'no message': {
    request: { body: new Uint8Array() },
    expected: { grpcStatus: Code.Unimplemented, grpcMessage: 'protocol error: missing input message for unary method' },
  },
  'two messages': {
    request: { body: Buffer.concat([message('one'), message('two')]) },
    expected: {
      grpcStatus: Code.Unimplemented,
      grpcMessage: 'protocol error: received extra input message for unary method',
    },
  },
  'malformed protobuf': {
    request: { body: grpcFrame(Buffer.from([0xff, 0xff, 0xff, 0xff])) },
    expected: { grpcStatus: Code.Internal, trailersOnly: true },
  },
  'a frame shorter than its length prefix': {
    request: { body: grpcFrame(Buffer.from('abc'), 0, 10) },
    expected: { grpcStatus: Code.InvalidArgument, grpcMessage: 'protocol error: incomplete envelope' },
  },
  'a length prefix whose payload never comes (read as no message, as Connect does)': {
    request: { body: grpcFrame(new Uint8Array(), 0, 3) },
    expected: { grpcStatus: Code.Unimplemented },
  },
  'a cut-off length prefix': {
    request: { body: Buffer.from([0, 0, 0]) },
    expected: { grpcStatus: Code.InvalidArgument },
  },
  'a malformed grpc-timeout': {
    request: { headers: { 'grpc-timeout': 'soon' }, body: message('x') },
    expected: { grpcStatus: Code.InvalidArgument, grpcMessage: 'protocol error: invalid grpc timeout value: soon' },
  },
  'a grpc-timeout over the maximum': {
    request: { headers: { 'grpc-timeout': '20S' }, body: message('x') },
    expected: { grpcStatus: Code.InvalidArgument, grpcMessage: `timeout 20000ms must be <= ${MAX_TIMEOUT_MS}` },
  },
  'an unknown grpc-encoding and a malformed grpc-timeout (encoding reported)': {
    request: { headers: { 'grpc-encoding': 'snappy', 'grpc-timeout': 'soon' }, body: message('x') },
    expected: { grpcStatus: Code.Unimplemented },
  },
  'an unknown method (connect-node, trailers-only)': {
    request: { path: '/greeter.v1.GreeterService/Nope', body: message('x') },
    expected: { status: 200, grpcStatus: Code.Unimplemented, trailersOnly: true },
  },
  'a wrong content-type (connect-node)': {
    request: { headers: { 'content-type': 'application/json' }, body: Buffer.from('{}') },
    expected: { status: 415 },
  },
  'application/grpc+json (connect-node)': {
    request: { headers: { 'content-type': 'application/grpc+json' }, body: grpcFrame(Buffer.from('{"name":"json"}')) },
    expected: { grpcStatus: 0, headers: { 'content-type': 'application/grpc+json' } },
  },
};

describe('connect-node and the unary fast path answer alike on the wire', () => {
  let slow: Loopback<GrpcServer>;
  let fast: Loopback<GrpcServer>;

  beforeAll(async () => {
    const options = { sayHello: handler, maxTimeoutMs: MAX_TIMEOUT_MS };
    [slow, fast] = await Promise.all([
      serveOnLoopback(createGrpcServer(loopbackServerOptions({ ...options, unaryFastPath: false }))),
      serveOnLoopback(createGrpcServer(loopbackServerOptions({ ...options, unaryFastPath: true }))),
    ]);
  });

  afterAll(async () => {
    await Promise.all([slow.close(), fast.close()]);
  });

  it.each(Object.entries(cases))('%s', async (_name, { request, expected }) => {
    const [viaConnect, viaFastPath] = await Promise.all([
      rawGrpcRequest(slow.url, request),
      rawGrpcRequest(fast.url, request),
    ]);
    expect(observableResponse(viaFastPath)).toEqual(observableResponse(viaConnect));

    const { trailersOnly, headers, trailers, body, ...status } = expected;
    expect(viaFastPath).toMatchObject({ status: 200, ...status });
    const seen = observableResponse(viaFastPath);
    if (trailersOnly !== undefined) {
      expect(seen.trailersOnly).toBe(trailersOnly);
    }
    expect(seen.headers).toMatchObject({ 'x-server-instance': expect.any(String), ...headers });
    expect(seen.trailers).toMatchObject(trailers ?? {});
    if (body !== undefined) {
      expect(seen.body).toBe(body.toString('hex'));
    }
  });
});
