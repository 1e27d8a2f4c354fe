import { Code, ConnectError, type Interceptor } from '@connectrpc/connect';
import * as grpc from '@grpc/grpc-js';
import { sleep } from '@protomesh/runtime';
import * as http2 from 'node:http2';
import { createFaultInterceptor } from '../fault.js';
import {
  codeOf,
  eventually,
  grpcFrame,
  GrpcJsClient,
  type Loopback,
  loopbackServerOptions,
  rawGrpcRequest,
  SAY_HELLO_PATH,
  type SayHelloHandler,
  sayHelloMessage,
  serveOnLoopback,
} from '@protomesh/testing';
import { createGrpcServer, type GrpcServer } from '../grpc-server.js';

// Deadlines, cancellation, the fault interceptor, drain and per-call cost,
// each run against connect-node alone and with the unary fast path.
const PATHS = [
  ['connect-node', false],
  ['the unary fast path', true],
] as const;

/** A SayHelloRequest for a short name, encoded by hand. */
const request = (name: string) => grpcFrame(sayHelloMessage(name));

/** Resolves when `predicate` holds, polling; for events that end after the response. */
describe.each(PATHS)('deadlines and cancellation on %s', (_path, unaryFastPath) => {
  let loopback: Loopback<GrpcServer>;
  /** The final status each call had as the outermost interceptor saw it. */
  let outcomes: string[];
  let aborts: unknown[];
  let arrived: number;

  const recorder: Interceptor = (next) => async (req) => {
    try {
      const res = await next(req);
      outcomes.push('OK');
      return res;
    } catch (err) {
      outcomes.push(Code[ConnectError.from(err).code]);
      throw err;
    }
  };

  const sayHello: SayHelloHandler = async (req, context) => {
    arrived++;
    if (req.name === 'remaining') {
      return { message: String(context.timeoutMs()) };
    }
    await sleep(10_000, context.signal).catch((reason: unknown) => {
      aborts.push(reason);
      throw reason;
    });
    return { message: 'too late' };
  };

  beforeAll(async () => {
    loopback = await serveOnLoopback(
      createGrpcServer(
        loopbackServerOptions({ unaryFastPath, sayHello, maxTimeoutMs: 10_000, outerInterceptors: [recorder] }),
      ),
    );
  });

  beforeEach(() => {
    outcomes = [];
    aborts = [];
    arrived = 0;
  });

  afterAll(async () => {
    await loopback.close();
  });

  it('aborts the handler signal at the grpc-timeout deadline and answers DEADLINE_EXCEEDED', async () => {
    const started = Date.now();
    const response = await rawGrpcRequest(loopback.url, {
      headers: { 'grpc-timeout': '200m' },
      body: request('slow'),
    });
    expect(response).toMatchObject({ grpcStatus: Code.DeadlineExceeded, grpcMessage: 'the operation timed out' });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(aborts).toHaveLength(1);
    expect(ConnectError.from(aborts[0]).code).toBe(Code.DeadlineExceeded);
    expect(outcomes).toEqual(['DeadlineExceeded']);
  });

  it('tells the handler the time left', async () => {
    const response = await rawGrpcRequest(loopback.url, {
      headers: { 'grpc-timeout': '5S' },
      body: request('remaining'),
    });
    expect(response.grpcStatus).toBe(0);
    const remaining = Number(response.body.subarray(7).toString());
    expect(remaining).toBeGreaterThan(0);
    expect(remaining).toBeLessThanOrEqual(5_000);
  });

  it('refuses a deadline over the maximum with INVALID_ARGUMENT before any interceptor', async () => {
    expect(await codeOf(loopback.greeter.sayHello({ name: 'patient' }, { timeoutMs: 20_000 }))).toBe('InvalidArgument');
    expect(arrived).toBe(0);
    expect(outcomes).toEqual([]);
  });

  it('aborts the handler of a @grpc/grpc-js call whose deadline passes', async () => {
    const peer = new grpc.Client(`127.0.0.1:${loopback.port}`, grpc.credentials.createInsecure());
    try {
      const code = await new Promise<number>((resolve) => {
        peer.makeUnaryRequest(
          SAY_HELLO_PATH,
          (name: string) => Buffer.from(sayHelloMessage(name)),
          (bytes: Buffer) => bytes,
          'slow',
          { deadline: Date.now() + 200 },
          (err) => resolve(err?.code ?? 0),
        );
      });
      expect(code).toBe(grpc.status.DEADLINE_EXCEEDED);
      await eventually(() => aborts.length === 1);
    } finally {
      peer.close();
    }
  });

  it('aborts the handler signal when the client resets the stream, and the call ends CANCELLED', async () => {
    const session = http2.connect(loopback.url);
    try {
      const stream = session.request({
        ':method': 'POST',
        ':path': SAY_HELLO_PATH,
        'content-type': 'application/grpc',
        te: 'trailers',
      });
      stream.on('error', () => undefined);
      stream.end(request('slow'));
      await eventually(() => arrived === 1);
      stream.close(http2.constants.NGHTTP2_CANCEL);
      await eventually(() => outcomes.length === 1);
      expect(aborts).toHaveLength(1);
      expect(aborts[0]).toMatchObject({
        code: Code.Canceled,
        rawMessage: 'http/2 stream closed with error code CANCEL (0x8)',
      });
      // The error mapping reports a caller that left as CANCELLED.
      expect(outcomes).toEqual(['Canceled']);
    } finally {
      session.destroy();
    }
  });
});

describe.each(PATHS)('the application fault interceptor on %s', (_path, unaryFastPath) => {
  let loopback: Loopback<GrpcServer>;

  beforeAll(async () => {
    loopback = await serveOnLoopback(
      createGrpcServer(
        loopbackServerOptions({
          unaryFastPath,
          interceptors: [createFaultInterceptor({ delay: { ms: 10_000, percent: 100 } })],
        }),
      ),
    );
  });

  afterAll(async () => {
    await loopback.close();
  });

  it('delays a call until its deadline, which ends it DEADLINE_EXCEEDED', async () => {
    const response = await rawGrpcRequest(loopback.url, { headers: { 'grpc-timeout': '150m' }, body: request('x') });
    expect(response).toMatchObject({ grpcStatus: Code.DeadlineExceeded, grpcMessage: 'the operation timed out' });
  });
});

describe.each(PATHS)('drain on %s', (_path, unaryFastPath) => {
  let loopback: Loopback<GrpcServer>;
  let arrived: number;
  let aborted: number;

  beforeEach(async () => {
    arrived = 0;
    aborted = 0;
    loopback = await serveOnLoopback(
      createGrpcServer(
        loopbackServerOptions({
          unaryFastPath,
          sayHello: async (req, context) => {
            arrived++;
            await sleep(req.name === 'stuck' ? 10_000 : 300, context.signal).catch((reason: unknown) => {
              aborted++;
              throw reason;
            });
            return { message: `done ${req.name}` };
          },
        }),
      ),
    );
  });

  afterEach(async () => {
    await loopback.close();
  });

  it('lets calls in flight finish and refuses new ones with UNAVAILABLE', async () => {
    const peer = new GrpcJsClient(`127.0.0.1:${loopback.port}`);
    try {
      expect(await peer.sayHello('warm-up', 5_000)).toMatchObject({ code: 0, value: { message: 'done warm-up' } });
      const inFlight = loopback.greeter.sayHello({ name: 'in-flight' });
      await eventually(() => arrived === 2);
      const drained = loopback.server.drain(5_000);
      expect((await peer.sayHello('late', 5_000)).code).toBe(Code.Unavailable);
      await expect(inFlight).resolves.toMatchObject({ message: 'done in-flight' });
      await expect(drained).resolves.toBe('drained');
      expect(arrived).toBe(2);
    } finally {
      peer.close();
    }
  });

  it('cuts off a call that outlives the drain, aborting its handler', async () => {
    const stuck = codeOf(loopback.greeter.sayHello({ name: 'stuck' }));
    await eventually(() => arrived === 1);
    await expect(loopback.server.drain(100)).resolves.toBe('forced');
    expect(await stuck).not.toBe('OK');
    expect(aborted).toBe(1);
  });
});

describe.each(PATHS)('cost per call on %s', (_path, unaryFastPath) => {
  let loopback: Loopback<GrpcServer>;
  const Original = globalThis.AbortController;
  let made = 0;

  beforeAll(async () => {
    loopback = await serveOnLoopback(createGrpcServer(loopbackServerOptions({ unaryFastPath })));
    globalThis.AbortController = class CountingAbortController extends Original {
      constructor() {
        super();
        made++;
      }
    };
  });

  afterAll(async () => {
    globalThis.AbortController = Original;
    await loopback.close();
  });

  it(`${unaryFastPath ? 'makes no' : 'makes an'} AbortController for a call nobody reads the signal of`, async () => {
    const response = await rawGrpcRequest(loopback.url, { body: request('counted') });
    expect(response.grpcStatus).toBe(0);
    expect(made > 0).toBe(!unaryFastPath);
  });
});
