import { status as Status } from '@grpc/grpc-js';
import { setTimeout as delay } from 'node:timers/promises';
import { GrpcJsClient, killAll } from '@protomesh/testing';
import { countByCode, SteadyLoad, stopLoads } from './support/reliability-load';
import { type ObservedServer, PATHS, report, SLACK_MS, startOnPath } from './support/reliability-paths';

/**
 * Drain without losing a call, and process death, on both server paths: a
 * grpc-js caller (the reference Node client) with a retry policy on
 * UNAVAILABLE keeps a steady load on two servers while one is terminated;
 * then a server killed mid-call, and one that stops reading (SIGSTOP).
 */

jest.setTimeout(60_000);

const SUITE = 'drain and process death';
const RATE = 500;
const DRAIN_DELAY_MS = 2_000;
const DRAIN_TIMEOUT_MS = 5_000;

/** grpc-js service config: round robin over every address, retries on UNAVAILABLE (gRFC A6). */
const ROUND_ROBIN_WITH_RETRIES = JSON.stringify({
  loadBalancingConfig: [{ round_robin: {} }],
  methodConfig: [
    {
      name: [{ service: 'greeter.v1.GreeterService' }],
      retryPolicy: {
        maxAttempts: 5,
        initialBackoff: '0.05s',
        maxBackoff: '0.5s',
        backoffMultiplier: 2,
        retryableStatusCodes: ['UNAVAILABLE'],
      },
    },
  ],
});

/** Reconnect quickly: these tests bring servers back within a second. */
const QUICK_RECONNECT = { 'grpc.initial_reconnect_backoff_ms': 100, 'grpc.max_reconnect_backoff_ms': 500 };

describe.each(PATHS)('drain and process death, $name', (path) => {
  const clients: GrpcJsClient[] = [];
  const stopped: ObservedServer[] = [];

  function clientOf(target: string, options: Record<string, string | number> = {}): GrpcJsClient {
    const client = new GrpcJsClient(target, { ...QUICK_RECONNECT, ...options });
    clients.push(client);
    return client;
  }

  afterEach(async () => {
    await stopLoads();
    clients.splice(0).forEach((client) => client.close());
    // A stopped process must be resumed before it can be waited for.
    stopped.splice(0).forEach((server) => server.process.signal('SIGCONT'));
    await killAll();
  });

  it(`loses no call of ${RATE}/s over two servers when one gets SIGTERM, and it exits 0`, async () => {
    const [a, b] = await Promise.all(
      ['server-a', 'server-b'].map((POD_NAME) =>
        startOnPath(path, { POD_NAME, DRAIN_DELAY: `${DRAIN_DELAY_MS}ms`, DRAIN_TIMEOUT: `${DRAIN_TIMEOUT_MS}ms` }),
      ),
    );
    const client = clientOf(`ipv4:127.0.0.1:${a.port},127.0.0.1:${b.port}`, {
      'grpc.service_config': ROUND_ROBIN_WITH_RETRIES,
    });
    const load = new SteadyLoad(client, RATE).start();
    await delay(1_500);

    const signalledAt = performance.now();
    a.process.signal('SIGTERM');
    const exit = await a.process.waitForExit(DRAIN_DELAY_MS + DRAIN_TIMEOUT_MS + 3 * SLACK_MS);
    const exitedAt = performance.now();
    await delay(1_000);
    const calls = await load.stop();

    const servedBy = (instance: string, from: number, to: number) =>
      calls.filter((c) => c.instance === instance && c.endedAt >= from && c.endedAt < to).length;
    const duringDelay = servedBy('server-a', signalledAt, signalledAt + DRAIN_DELAY_MS - 200);
    const failures = load.failures();
    report(
      SUITE,
      `${path.name}: ${calls.length} calls at ${load.achievedRate()}/s over two servers, SIGTERM to one ` +
        `(DRAIN_DELAY ${DRAIN_DELAY_MS} ms): ${failures.length} failed ${JSON.stringify(countByCode(calls))}; ` +
        `it served ${duringDelay} calls during the delay and exited ${exit.code} after ` +
        `${Math.round(exitedAt - signalledAt)} ms`,
    );
    expect(failures.map((f) => `${Status[f.code]} ${f.details}`)).toEqual([]);
    expect(exit).toEqual({ code: 0, signal: null });
    // Both served before the signal; the terminated one kept serving through its drain delay…
    expect(servedBy('server-a', 0, signalledAt)).toBeGreaterThan(0);
    expect(servedBy('server-b', 0, signalledAt)).toBeGreaterThan(0);
    expect(duringDelay).toBeGreaterThan(0);
    expect(exitedAt - signalledAt).toBeGreaterThanOrEqual(DRAIN_DELAY_MS - 50);
    // …and the other took every call after it left.
    expect(servedBy('server-a', exitedAt, Infinity)).toBe(0);
    expect(servedBy('server-b', exitedAt, Infinity)).toBeGreaterThan(0);
    expect(load.achievedRate()).toBeGreaterThanOrEqual(RATE * 0.9);
  });

  it('reports CANCELLED, never a retryable UNAVAILABLE, for a call cut off at DRAIN_TIMEOUT', async () => {
    const server = await startOnPath(path, { FAULT_DELAY: '5s', FAULT_DELAY_PERCENT: '100', DRAIN_TIMEOUT: '300ms' });
    const client = clientOf(`127.0.0.1:${server.port}`);
    const call = client.sayHello('in-flight', 10_000);
    await delay(300);
    server.process.signal('SIGTERM');
    // The server had started the call: a caller must not be told it may send it again.
    expect(await call).toMatchObject({ code: Status.CANCELLED });
    expect(await server.process.waitForExit(5_000)).toEqual({ code: 1, signal: null });
  });

  it('kill -9 mid-call: the caller gets UNAVAILABLE at once, and recovers when a server is back on the port', async () => {
    const first = await startOnPath(path, { FAULT_DELAY: '5s', FAULT_DELAY_PERCENT: '100' });
    const client = clientOf(`127.0.0.1:${first.port}`);
    const call = client.sayHello('in-flight', 10_000).then((outcome) => ({ ...outcome, at: performance.now() }));
    await delay(300);
    const killedAt = performance.now();
    await first.process.kill();
    const outcome = await call;
    expect(outcome.code).toBe(Status.UNAVAILABLE);
    // Nothing listens: calls fail fast rather than wait.
    expect((await client.sayHello('nobody', 5_000)).code).toBe(Status.UNAVAILABLE);

    await startOnPath(path, { PORT: String(first.port) });
    const restartedAt = performance.now();
    let recoveredAt: number | undefined;
    let failedMeanwhile = 0;
    while (recoveredAt === undefined && performance.now() - restartedAt < 5_000) {
      const attempt = await client.sayHello('again', 2_000);
      if (attempt.code === Status.OK) {
        recoveredAt = performance.now();
      } else {
        failedMeanwhile++;
        await delay(50);
      }
    }
    report(
      SUITE,
      `${path.name}: kill -9: the call in flight ended ${Status[outcome.code]} after ${Math.round(outcome.at - killedAt)} ms; ` +
        `a new server on the port served the client ${recoveredAt === undefined ? 'never' : `${Math.round(recoveredAt - restartedAt)} ms`} ` +
        `after it listened (${failedMeanwhile} calls failed meanwhile)`,
    );
    expect(outcome.at - killedAt).toBeLessThan(1_000);
    expect(recoveredAt).toBeDefined();
  });

  it('a server that stops reading (SIGSTOP): calls end at their deadline with DEADLINE_EXCEEDED, then it serves again', async () => {
    const server = await startOnPath(path);
    const client = clientOf(`127.0.0.1:${server.port}`);
    expect((await client.sayHello('before', 5_000)).code).toBe(Status.OK);
    server.process.signal('SIGSTOP');
    stopped.push(server);

    const deadlineMs = 1_000;
    const started = performance.now();
    const outcomes = await Promise.all(
      Array.from({ length: 3 }, (_, i) =>
        client.sayHello(`frozen-${i}`, deadlineMs).then((o) => ({ ...o, ms: Math.round(performance.now() - started) })),
      ),
    );
    report(
      SUITE,
      `${path.name}: SIGSTOP: calls with a ${deadlineMs} ms deadline ended ` +
        outcomes.map((o) => `${Status[o.code]} at ${o.ms} ms`).join(', '),
    );
    for (const o of outcomes) {
      expect(o.code).toBe(Status.DEADLINE_EXCEEDED);
      expect(o.ms).toBeGreaterThanOrEqual(deadlineMs - 50);
      expect(o.ms).toBeLessThan(deadlineMs + 1_000);
    }

    server.process.signal('SIGCONT');
    stopped.splice(0);
    expect((await client.sayHello('after', 5_000)).code).toBe(Status.OK);
  });
});
