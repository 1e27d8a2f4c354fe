import { create } from '@bufbuild/protobuf';
import {
  Code,
  ConnectError,
  createClient,
  createContextKey,
  type HandlerContext,
  type Interceptor,
  type UnaryRequest,
  type UnaryResponse,
} from '@connectrpc/connect';
import * as grpc from '@grpc/grpc-js';
import { SayHelloRequestSchema, SayHelloResponseSchema } from '@protomesh/proto/greeter/v1';
import { Health, HealthCheckResponse_ServingStatus as ServingStatus } from '@protomesh/proto/grpc/health/v1';
import { sleep } from '@protomesh/runtime';
import {
  grpcFrame,
  type Loopback,
  loopbackServerOptions,
  rawGrpcRequest,
  SAY_HELLO_PATH,
  type SayHelloHandler,
  sayHelloMessage,
  serveOnLoopback,
  TEST_INSTANCE,
} from '@protomesh/testing';
import { createGrpcServer, type GrpcServer } from '../grpc-server.js';

// Every case runs against connect-node alone and with the unary fast path,
// expecting the same: the fast path must be invisible to handlers,
// interceptors and clients.
const PATHS = [
  ['connect-node', false],
  ['the unary fast path', true],
] as const;

const USER = createContextKey<string>('nobody', { description: 'user' });

/** A SayHelloRequest for a short name, encoded by hand. */
const request = (name: string) => grpcFrame(sayHelloMessage(name));

/** What an interceptor sees of a request, comparable across servers. */
function describeRequest(req: UnaryRequest) {
  return {
    keys: Object.keys(req).sort(),
    stream: req.stream,
    message: (req.message as { name?: string }).name,
    method: req.method.name,
    service: req.service.typeName,
    requestMethod: req.requestMethod,
    url: req.url.replace(/:\d+\//, ':PORT/'),
    headerIsHeaders: req.header instanceof Headers,
    custom: req.header.get('x-custom'),
    signalIsAbortSignal: req.signal instanceof AbortSignal,
    signalAborted: req.signal.aborted,
    user: req.contextValues.get(USER),
  };
}

function describeResponse(res: UnaryResponse) {
  return {
    keys: Object.keys(res).sort(),
    stream: res.stream,
    message: (res.message as { message?: string }).message,
    method: res.method.name,
    service: res.service.typeName,
    header: res.header instanceof Headers ? res.header.get('content-type') : 'not Headers',
    trailer: res.trailer instanceof Headers ? res.trailer.get('grpc-status') : 'not Headers',
  };
}

function describeContext(context: HandlerContext) {
  return {
    method: context.method.name,
    service: context.service.typeName,
    requestMethod: context.requestMethod,
    protocolName: context.protocolName,
    url: context.url.replace(/:\d+\//, ':PORT/'),
    custom: context.requestHeader.get('x-custom'),
    contentType: context.responseHeader.get('content-type'),
    grpcStatus: context.responseTrailer.get('grpc-status'),
    user: context.values.get(USER),
    timeoutMs: context.timeoutMs(),
    signalIsAbortSignal: context.signal instanceof AbortSignal,
    signalAborted: context.signal.aborted,
  };
}

describe.each(PATHS)('unary calls on %s', (_path, unaryFastPath) => {
  let loopback: Loopback<GrpcServer>;
  let requests: ReturnType<typeof describeRequest>[];
  let responses: ReturnType<typeof describeResponse>[];
  let contexts: ReturnType<typeof describeContext>[];
  /** The final status each call had as the outermost interceptor saw it. */
  let outcomes: string[];
  let arrived: number;
  let keptSignals: AbortSignal[];

  const recorder: Interceptor = (next) => async (req) => {
    if (req.stream) {
      return next(req);
    }
    requests.push(describeRequest(req));
    try {
      const res = await next(req);
      if (!res.stream) {
        responses.push(describeResponse(res));
      }
      outcomes.push('OK');
      return res;
    } catch (err) {
      outcomes.push(Code[ConnectError.from(err).code]);
      throw err;
    }
  };

  // An application interceptor: sets a context value, rewrites one message,
  // adds a response header and trailer.
  const application: Interceptor = (next) => async (req) => {
    req.contextValues.set(USER, 'ada');
    if (!req.stream && (req.message as { name?: string }).name === 'rewrite-me') {
      return next({ ...req, message: create(SayHelloRequestSchema, { name: 'rewritten' }) });
    }
    const res = await next(req);
    res.header.set('x-from-interceptor', 'header');
    res.trailer.set('x-from-interceptor', 'trailer');
    return res;
  };

  const sayHello: SayHelloHandler = async (req, context) => {
    arrived++;
    switch (req.name) {
      case 'context':
        contexts.push(describeContext(context));
        return { message: 'context' };
      case 'keep-signal':
        keptSignals.push(context.signal);
        return { message: 'kept' };
      case 'echo-bin':
        context.responseHeader.set('x-echo-bin', context.requestHeader.get('x-custom-bin') ?? '');
        return { message: 'echoed' };
      case 'big':
        return { message: 'b'.repeat(1024 * 1024) };
      case 'details':
        throw new ConnectError('with details', Code.FailedPrecondition, undefined, [
          { desc: SayHelloResponseSchema, value: { message: 'the detail' } },
        ]);
      default:
        if (req.name.startsWith('after-')) {
          await sleep(Number(req.name.slice('after-'.length)), context.signal);
        }
        return { message: `Hello, ${req.name}!` };
    }
  };

  beforeAll(async () => {
    loopback = await serveOnLoopback(
      createGrpcServer(
        loopbackServerOptions({
          unaryFastPath,
          sayHello,
          maxTimeoutMs: 10_000,
          outerInterceptors: [recorder],
          interceptors: [application],
        }),
      ),
    );
  });

  beforeEach(() => {
    requests = [];
    responses = [];
    contexts = [];
    outcomes = [];
    arrived = 0;
    keptSignals = [];
  });

  afterAll(async () => {
    await loopback.close();
  });

  describe('Connect API', () => {
    it('gives interceptors the UnaryRequest and UnaryResponse connect-node gives them', async () => {
      await loopback.greeter.sayHello({ name: 'shapes' }, { headers: { 'x-custom': 'yes' } });
      expect(requests).toEqual([
        {
          keys: ['contextValues', 'header', 'message', 'method', 'requestMethod', 'service', 'signal', 'stream', 'url'],
          stream: false,
          message: 'shapes',
          method: 'SayHello',
          service: 'greeter.v1.GreeterService',
          requestMethod: 'POST',
          url: 'http://127.0.0.1:PORT/greeter.v1.GreeterService/SayHello',
          headerIsHeaders: true,
          custom: 'yes',
          signalIsAbortSignal: true,
          signalAborted: false,
          user: 'nobody',
        },
      ]);
      expect(responses).toEqual([
        {
          keys: ['header', 'message', 'method', 'service', 'stream', 'trailer'],
          stream: false,
          message: 'Hello, shapes!',
          method: 'SayHello',
          service: 'greeter.v1.GreeterService',
          header: 'application/grpc+proto',
          trailer: '0',
        },
      ]);
    });

    it('gives the handler a HandlerContext with what the interceptors put in it', async () => {
      await loopback.greeter.sayHello({ name: 'context' }, { headers: { 'x-custom': 'yes' } });
      expect(contexts).toEqual([
        {
          method: 'SayHello',
          service: 'greeter.v1.GreeterService',
          requestMethod: 'POST',
          protocolName: 'grpc',
          url: 'http://127.0.0.1:PORT/greeter.v1.GreeterService/SayHello',
          custom: 'yes',
          contentType: 'application/grpc+proto',
          grpcStatus: '0',
          user: 'ada',
          timeoutMs: undefined,
          signalIsAbortSignal: true,
          signalAborted: false,
        },
      ]);
    });

    it('lets an interceptor pass on a copy of the request with another message', async () => {
      await expect(loopback.greeter.sayHello({ name: 'rewrite-me' })).resolves.toMatchObject({
        message: 'Hello, rewritten!',
      });
    });

    it('sends the headers and trailers interceptors add to the response', async () => {
      let header = new Headers();
      let trailer = new Headers();
      await loopback.greeter.sayHello(
        { name: 'added' },
        { onHeader: (h) => (header = h), onTrailer: (t) => (trailer = t) },
      );
      expect(header.get('x-from-interceptor')).toBe('header');
      expect(trailer.get('x-from-interceptor')).toBe('trailer');
      expect(header.get('x-server-instance')).toBe(TEST_INSTANCE);
    });

    it('answers concurrent calls on one connection, each with its own response', async () => {
      const names = Array.from({ length: 200 }, (_, i) => `after-${(i * 7) % 23}`);
      const answers = await Promise.all(names.map((name) => loopback.greeter.sayHello({ name })));
      expect(answers.map((a) => a.message)).toEqual(names.map((name) => `Hello, ${name}!`));
    });

    it('sends a large response intact', async () => {
      const answer = await loopback.greeter.sayHello({ name: 'big' });
      expect(answer.message).toBe('b'.repeat(1024 * 1024));
    });

    it('aborts the handler signal when the call completes, as Connect does', async () => {
      await loopback.greeter.sayHello({ name: 'keep-signal' });
      expect(keptSignals).toHaveLength(1);
      expect(keptSignals[0].aborted).toBe(true);
    });

    it('sends ConnectError details to the client', async () => {
      const error = await loopback.greeter
        .sayHello({ name: 'details' })
        .catch((err: unknown) => ConnectError.from(err));
      expect(error).toMatchObject({ code: Code.FailedPrecondition, rawMessage: 'with details' });
      expect((error as ConnectError).findDetails(SayHelloResponseSchema)).toMatchObject([{ message: 'the detail' }]);
      expect(outcomes).toEqual(['FailedPrecondition']);
    });

    it('round-trips -bin metadata with @grpc/grpc-js', async () => {
      const client = new grpc.Client(`127.0.0.1:${loopback.port}`, grpc.credentials.createInsecure());
      try {
        const metadata = new grpc.Metadata();
        metadata.set('x-custom-bin', Buffer.from([0, 1, 2, 255]));
        const echoed = await new Promise<grpc.MetadataValue[]>((resolve, reject) => {
          const call = client.makeUnaryRequest(
            SAY_HELLO_PATH,
            (name: string) => Buffer.from(sayHelloMessage(name)),
            (bytes: Buffer) => bytes,
            'echo-bin',
            metadata,
            (err) => (err ? reject(err) : undefined),
          );
          call.on('metadata', (received) => resolve(received.get('x-echo-bin')));
        });
        expect(echoed).toEqual([Buffer.from([0, 1, 2, 255])]);
      } finally {
        client.close();
      }
    });
  });

  describe('protocol errors', () => {
    it('answers them before any interceptor runs, as connect-node does', async () => {
      const responses = await Promise.all([
        rawGrpcRequest(loopback.url, { body: grpcFrame(Buffer.from([0xff, 0xff])) }),
        rawGrpcRequest(loopback.url, { body: Buffer.concat([request('a'), request('b')]) }),
        rawGrpcRequest(loopback.url, { headers: { 'grpc-encoding': 'lz4' }, body: request('a') }),
      ]);
      expect(responses.map((r) => r.grpcStatus)).toEqual([Code.Internal, Code.Unimplemented, Code.Unimplemented]);
      expect(outcomes).toEqual([]);
      expect(arrived).toBe(0);
    });
  });

  describe('everything else stays on connect-node', () => {
    it('serves the health service, streaming Watch included', async () => {
      const health = createClient(Health, loopback.transport);
      await expect(health.check({ service: '' })).resolves.toMatchObject({ status: ServingStatus.SERVING });
      const updates = health.watch({ service: '' })[Symbol.asyncIterator]();
      await expect(updates.next()).resolves.toMatchObject({ value: { status: ServingStatus.SERVING } });
      await updates.return?.();
    });

    it('answers an unknown method trailers-only with UNIMPLEMENTED', async () => {
      const response = await rawGrpcRequest(loopback.url, {
        path: '/greeter.v1.GreeterService/Nope',
        body: request('x'),
      });
      expect(response.grpcStatus).toBe(Code.Unimplemented);
      expect(response.trailers).toEqual({});
    });
  });
});
