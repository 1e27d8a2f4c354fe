import { Code, ConnectError, createClient, createContextValues } from '@connectrpc/connect';
import { createGrpcTransport, Http2SessionManager } from '@connectrpc/connect-node';
import { attemptsKey } from '@protomesh/grpc-core';
import { GreeterService } from '@protomesh/proto/greeter/v1';
import { sleep } from '@protomesh/runtime';
import { type ConnectServer, startConnectServer } from '@protomesh/testing';
import * as http2 from 'node:http2';
import { createRetryInterceptor, type RetryOptions } from './retry.js';

/** How the loopback server answers: `failures` attempts fail with `code`, later ones succeed. */
interface Plan {
  failures: number;
  code: Code;
  /** Time the handler takes before answering, cut short by the call's deadline. */
  handlerMs: number;
  /** Attempts refused at the HTTP/2 level (RST_STREAM REFUSED_STREAM), before any failures. */
  refusals: number;
}

interface Attempt {
  at: number;
  /** The grpc-timeout the server received, in ms; undefined when none was sent. */
  timeoutMs: number | undefined;
}

const never = () => new AbortController().signal;

describe('createRetryInterceptor against a loopback gRPC server', () => {
  let plan: Plan;
  let attempts: Attempt[];
  let server: ConnectServer;
  let sessionManager: Http2SessionManager;

  beforeAll(async () => {
    server = await startConnectServer(
      (router) =>
        router.service(GreeterService, {
          async sayHello(request, context) {
            const header = context.requestHeader.get('grpc-timeout');
            const match = header === null ? null : /^([0-9]+)m$/.exec(header);
            if (header !== null && !match) {
              throw new ConnectError(`unexpected grpc-timeout ${header}`, Code.Internal);
            }
            attempts.push({ at: performance.now(), timeoutMs: match ? Number(match[1]) : undefined });
            if (plan.handlerMs > 0) {
              await sleep(plan.handlerMs, context.signal);
            }
            if (attempts.length <= plan.failures) {
              throw new ConnectError(`attempt ${attempts.length} fails`, plan.code);
            }
            return { message: `Hello, ${request.name}!` };
          },
        }),
      [],
      (req) => {
        if (plan.refusals === 0) {
          return false;
        }
        plan.refusals--;
        req.stream.close(http2.constants.NGHTTP2_REFUSED_STREAM);
        return true;
      },
    );
    sessionManager = new Http2SessionManager(server.url);
  });

  afterAll(async () => {
    sessionManager.abort();
    await server.close();
  });

  beforeEach(async () => {
    plan = { failures: 0, code: Code.Unavailable, handlerMs: 0, refusals: 0 };
    attempts = [];
    // Warm the connection, so no attempt below pays for connecting.
    await call({});
    attempts = [];
  });

  async function call(options: RetryOptions, timeoutMs?: number) {
    const transport = createGrpcTransport({
      baseUrl: sessionManager.authority,
      sessionManager,
      interceptors: [createRetryInterceptor(options)],
    });
    const contextValues = createContextValues();
    const started = performance.now();
    const code = await createClient(GreeterService, transport)
      .sayHello({ name: 'retry' }, { timeoutMs, contextValues })
      .then(
        () => 'OK',
        (err: unknown) => Code[ConnectError.from(err).code],
      );
    return { code, attempts: contextValues.get(attemptsKey), started, elapsedMs: performance.now() - started };
  }

  const gaps = () => attempts.slice(1).map((attempt, i) => attempt.at - attempts[i].at);

  it('makes one attempt when the first succeeds', async () => {
    expect(await call({})).toMatchObject({ code: 'OK', attempts: 1 });
    expect(attempts).toHaveLength(1);
  });

  it('retries UNAVAILABLE until an attempt succeeds', async () => {
    plan.failures = 2;
    expect(await call({ initialBackoffMs: 5 })).toMatchObject({ code: 'OK', attempts: 3 });
    expect(attempts).toHaveLength(3);
  });

  it('gives up after maxAttempts with the last UNAVAILABLE', async () => {
    plan.failures = Infinity;
    expect(await call({ maxAttempts: 4, initialBackoffMs: 1 })).toMatchObject({ code: 'Unavailable', attempts: 4 });
    expect(attempts).toHaveLength(4);
  });

  it('keeps the defaults for options passed as undefined (3 attempts, Math.random jitter)', async () => {
    plan.failures = Infinity;
    expect(await call({ maxAttempts: undefined, random: undefined, initialBackoffMs: 1 })).toMatchObject({
      code: 'Unavailable',
      attempts: 3,
    });
    expect(attempts).toHaveLength(3);
  });

  it.each([
    [9, 5],
    [0, 1],
  ])('clamps maxAttempts %d to %d (gRFC A6 allows 1 to 5)', async (maxAttempts, made) => {
    plan.failures = Infinity;
    expect(await call({ maxAttempts, initialBackoffMs: 1 })).toMatchObject({ code: 'Unavailable', attempts: made });
    expect(attempts).toHaveLength(made);
  });

  it.each([Code.InvalidArgument, Code.DeadlineExceeded, Code.Internal])(
    'does not retry code %d from the server',
    async (code) => {
      plan.failures = Infinity;
      plan.code = code;
      expect(await call({ initialBackoffMs: 1 })).toMatchObject({ code: Code[code], attempts: 1 });
      expect(attempts).toHaveLength(1);
    },
  );

  it('retries the codes it is told to', async () => {
    plan.failures = 1;
    plan.code = Code.ResourceExhausted;
    const result = await call({ initialBackoffMs: 1, retryableCodes: [Code.ResourceExhausted] });
    expect(result).toMatchObject({ code: 'OK', attempts: 2 });
  });

  it('does not retry once the call deadline has expired', async () => {
    plan.handlerMs = 300;
    expect(await call({ initialBackoffMs: 1 }, 100)).toMatchObject({ code: 'DeadlineExceeded', attempts: 1 });
    await sleep(300, never());
    expect(attempts).toHaveLength(1);
  });

  it('retries a stream the server refused unprocessed (REFUSED_STREAM, as during a drain)', async () => {
    plan.refusals = 2;
    expect(await call({ initialBackoffMs: 1 })).toMatchObject({ code: 'OK', attempts: 3 });
    expect(attempts).toHaveLength(1);
  });

  it('reports refused streams that exhaust maxAttempts as UNAVAILABLE', async () => {
    plan.refusals = 3;
    expect(await call({ initialBackoffMs: 1 })).toMatchObject({ code: 'Unavailable', attempts: 3 });
    expect(attempts).toHaveLength(0);
  });

  describe('deadline', () => {
    // Deadlines are generous so a loaded machine cannot eat them before the first answer.
    it('skips a backoff that would end past the deadline and fails before it', async () => {
      plan.failures = Infinity;
      const result = await call({ initialBackoffMs: 3_000, random: () => 1 }, 1_000);
      expect(result).toMatchObject({ code: 'Unavailable', attempts: 1 });
      expect(result.elapsedMs).toBeLessThan(1_000);
      await sleep(1_100 - result.elapsedMs, never());
      expect(attempts).toHaveLength(1);
    });

    it('takes the backoffs that fit and stops at the first that does not', async () => {
      plan.failures = Infinity;
      // Backoffs of 300 then 600 ms: the second would end after the 750 ms deadline.
      const result = await call({ initialBackoffMs: 300, random: () => 1 }, 750);
      expect(result).toMatchObject({ code: 'Unavailable', attempts: 2 });
      expect(result.elapsedMs).toBeLessThan(750);
      await sleep(850 - result.elapsedMs, never());
      expect(attempts).toHaveLength(2);
      attempts.forEach((attempt) => expect(attempt.at - result.started).toBeLessThan(750));
    });

    it('tells the server only the time left on each retry', async () => {
      plan.failures = 2;
      const result = await call({ initialBackoffMs: 50, random: () => 1 }, 2_000);
      expect(result).toMatchObject({ code: 'OK', attempts: 3 });
      const [first, second, third] = attempts.map((a) => a.timeoutMs ?? NaN);
      expect(first).toBe(2_000);
      expect(second).toBeLessThanOrEqual(first - 50);
      expect(third).toBeLessThanOrEqual(second - 100);
    });

    it('sends no grpc-timeout on retries of a call without a deadline', async () => {
      plan.failures = 1;
      expect(await call({ initialBackoffMs: 1 })).toMatchObject({ code: 'OK', attempts: 2 });
      expect(attempts.map((a) => a.timeoutMs)).toEqual([undefined, undefined]);
    });
  });

  describe('backoff', () => {
    // Timers may fire up to a millisecond early against performance.now().
    const slack = 2;

    it('waits at least the exponentially growing bound when the jitter is at its top', async () => {
      plan.failures = 3;
      const result = await call({ maxAttempts: 4, initialBackoffMs: 40, backoffMultiplier: 2, random: () => 1 });
      expect(result).toMatchObject({ code: 'OK', attempts: 4 });
      const [g1, g2, g3] = gaps();
      expect(g1).toBeGreaterThanOrEqual(40 - slack);
      expect(g2).toBeGreaterThanOrEqual(80 - slack);
      expect(g3).toBeGreaterThanOrEqual(160 - slack);
    });

    it('caps the bound at maxBackoffMs', async () => {
      plan.failures = 3;
      // Uncapped the backoffs would be 50, 500 and 5000 ms.
      const result = await call({
        maxAttempts: 4,
        initialBackoffMs: 50,
        backoffMultiplier: 10,
        maxBackoffMs: 60,
        random: () => 1,
      });
      expect(result).toMatchObject({ code: 'OK', attempts: 4 });
      expect(gaps().every((gap) => gap >= 50 - slack)).toBe(true);
      expect(result.elapsedMs).toBeLessThan(2_000);
    });

    it('scales the wait by the jitter (full jitter)', async () => {
      plan.failures = 2;
      // With the jitter at 0 the two 1 s bounds are not waited at all.
      const result = await call({ initialBackoffMs: 1_000, random: () => 0 });
      expect(result).toMatchObject({ code: 'OK', attempts: 3 });
      expect(result.elapsedMs).toBeLessThan(1_000);
    });
  });
});
