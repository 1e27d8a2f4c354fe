import { status as Status } from '@grpc/grpc-js';
import { once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { GrpcJsClient, killAll, readAll, SERVERS, type StartedServer, startServer } from '@protomesh/testing';

// Starting bundles on a busy machine can outlast Jest's 5 s default; each wait has its own bound.
jest.setTimeout(30_000);

// The calls here come from @grpc/grpc-js, the reference Node client: its
// handling of GOAWAY and of reset streams is what callers will meet.
const clients: GrpcJsClient[] = [];

function clientFor(server: StartedServer): GrpcJsClient {
  const client = new GrpcJsClient(`127.0.0.1:${server.port}`);
  clients.push(client);
  return client;
}

/** Starts `n` SayHello calls; each resolves with its outcome and when it ended. */
function sayHelloMany(client: GrpcJsClient, n: number, deadlineMs: number) {
  return Array.from({ length: n }, (_, i) =>
    client.sayHello(`caller-${i}`, deadlineMs).then((outcome) => ({ ...outcome, endedAt: Date.now() })),
  );
}

// Time for the calls just started to reach the server and begin their fault delay.
const IN_FLIGHT_MS = 500;

const isDrainingLine = (line: { msg?: string }) => line.msg?.startsWith('draining') === true;

describe.each(SERVERS)('$name shutdown', ({ program }) => {
  afterEach(async () => {
    clients.splice(0).forEach((client) => client.close());
    await killAll();
  });

  it('drains on SIGTERM: calls in flight finish, health turns NOT_SERVING, new calls are refused, exit 0', async () => {
    const drainTimeoutMs = 8_000;
    const server = await startServer({ FAULT_DELAY: '2s', FAULT_DELAY_PERCENT: '100', DRAIN_TIMEOUT: '8s' }, program);
    const client = clientFor(server);
    const watch = client.healthWatch('', 15_000);
    const watched = readAll(watch);
    expect(await once(watch, 'data')).toEqual([{ status: 'SERVING' }]);
    const calls = sayHelloMany(client, 5, 15_000);
    await delay(IN_FLIGHT_MS);

    const signalled = Date.now();
    server.process.signal('SIGTERM');
    // The Watch ends right after NOT_SERVING, so it does not hold the drain up.
    expect(await watched).toEqual({ messages: [{ status: 'SERVING' }, { status: 'NOT_SERVING' }], code: Status.OK });

    // On the draining connection (GOAWAY) and on a new one (listener closed).
    for (const caller of [client, clientFor(server)]) {
      expect(await caller.sayHello('late', 5_000)).toMatchObject({ code: Status.UNAVAILABLE });
    }

    const outcomes = await Promise.all(calls);
    expect(outcomes.map((o) => o.value?.message ?? `failed: ${Status[o.code]} ${o.details}`)).toEqual(
      Array.from({ length: 5 }, (_, i) => `Hello, caller-${i}!`),
    );
    expect(await server.process.waitForExit(drainTimeoutMs)).toEqual({ code: 0, signal: null });
    expect(Date.now() - signalled).toBeLessThan(drainTimeoutMs);
    expect(server.process.lines.map((line) => line.msg)).toContain('drained, exiting');
  });

  it('keeps serving for DRAIN_DELAY while health reports NOT_SERVING, then drains and exits 0', async () => {
    // Long enough for the checks below to fit in the delay on a loaded machine.
    const drainDelayMs = 5_000;
    const server = await startServer({ DRAIN_DELAY: '5s' }, program);
    const client = clientFor(server);
    const watch = client.healthWatch('', 15_000);
    const watched = readAll(watch);
    expect(await once(watch, 'data')).toEqual([{ status: 'SERVING' }]);

    const signalled = Date.now();
    server.process.signal('SIGTERM');
    // At once: watchers hear NOT_SERVING and their streams end...
    expect(await watched).toEqual({ messages: [{ status: 'SERVING' }, { status: 'NOT_SERVING' }], code: Status.OK });
    expect(
      await server.process.waitForLine(
        (line) => line.msg === 'health NOT_SERVING, still serving during the drain delay',
        2_000,
      ),
    ).toMatchObject({ level: 'info', signal: 'SIGTERM', drainDelayMs });
    // ...while calls are still served, on the open connection and on a new one.
    for (const caller of [client, clientFor(server)]) {
      expect(await caller.sayHello('during the delay', 1_000)).toMatchObject({
        code: Status.OK,
        value: { message: 'Hello, during the delay!' },
      });
      expect(await caller.healthCheck('', 1_000)).toMatchObject({ code: Status.OK, value: { status: 'NOT_SERVING' } });
    }
    expect(Date.now() - signalled).toBeLessThan(drainDelayMs);
    expect(server.process.lines.some(isDrainingLine)).toBe(false);

    // Then the drain, once the delay is over.
    expect(await server.process.waitForLine(isDrainingLine, drainDelayMs + 5_000)).toMatchObject({
      msg: 'draining: refusing new calls, finishing those in flight',
      drainTimeoutMs: 10_000,
    });
    expect(Date.now() - signalled).toBeGreaterThanOrEqual(drainDelayMs);
    expect(await server.process.waitForExit(5_000)).toEqual({ code: 0, signal: null });
    const shutdownLines = server.process.lines
      .map((line) => line.msg)
      .filter((msg) => msg?.startsWith('health NOT_SERVING') || msg?.startsWith('drain'));
    expect(shutdownLines).toEqual([
      'health NOT_SERVING, still serving during the drain delay',
      'draining: refusing new calls, finishing those in flight',
      'drained, exiting',
    ]);
  });

  // In both cases below the calls would succeed once the 5 s fault delay is
  // over, within their 8 s deadline, and the server would exit 0 after that,
  // had it not cut them off. The bounds leave room for a loaded machine.
  const faultDelayMs = 5_000;
  const cutOff = { FAULT_DELAY: '5s', FAULT_DELAY_PERCENT: '100' };

  async function expectCutOff(calls: ReturnType<typeof sayHelloMany>, startedAt: number): Promise<void> {
    for (const outcome of await Promise.all(calls)) {
      expect(outcome.code).not.toBe(Status.OK);
      expect(outcome.code).not.toBe(Status.DEADLINE_EXCEEDED);
      expect(outcome.endedAt - startedAt).toBeLessThan(faultDelayMs);
    }
  }

  it('cuts calls off and exits 1 when DRAIN_TIMEOUT passes first', async () => {
    const server = await startServer({ ...cutOff, DRAIN_TIMEOUT: '300ms' }, program);
    const startedAt = Date.now();
    const calls = sayHelloMany(clientFor(server), 3, 8_000);
    await delay(IN_FLIGHT_MS);

    server.process.signal('SIGTERM');
    expect(await server.process.waitForExit(5_000)).toEqual({ code: 1, signal: null });
    expect(Date.now() - startedAt).toBeLessThan(faultDelayMs - 1_000);
    expect(server.process.lines.map((line) => line.msg)).toContain('drain cut short, calls in flight were cancelled');
    await expectCutOff(calls, startedAt);
  });

  it('forces the exit on a second SIGTERM', async () => {
    const server = await startServer({ ...cutOff, DRAIN_TIMEOUT: '10s' }, program);
    const startedAt = Date.now();
    const calls = sayHelloMany(clientFor(server), 2, 8_000);
    await delay(IN_FLIGHT_MS);

    server.process.signal('SIGTERM');
    await server.process.waitForLine(isDrainingLine, 5_000);
    server.process.signal('SIGTERM');
    expect(await server.process.waitForExit(5_000)).toEqual({ code: 1, signal: null });
    expect(Date.now() - startedAt).toBeLessThan(faultDelayMs - 1_000);
    expect(server.process.lines.map((line) => line.msg)).toContain('second signal: forcing shutdown');
    await expectCutOff(calls, startedAt);
  });

  it('forces the exit on a second signal during DRAIN_DELAY', async () => {
    const server = await startServer({ ...cutOff, DRAIN_DELAY: '1m', DRAIN_TIMEOUT: '1m' }, program);
    const startedAt = Date.now();
    const calls = sayHelloMany(clientFor(server), 2, 8_000);
    await delay(IN_FLIGHT_MS);

    server.process.signal('SIGTERM');
    await server.process.waitForLine((line) => line.msg?.startsWith('health NOT_SERVING') === true, 5_000);
    server.process.signal('SIGINT');
    expect(await server.process.waitForExit(5_000)).toEqual({ code: 1, signal: null });
    expect(Date.now() - startedAt).toBeLessThan(faultDelayMs - 1_000);
    expect(server.process.lines.map((line) => line.msg)).toEqual(
      expect.arrayContaining(['second signal: forcing shutdown', 'drain cut short, calls in flight were cancelled']),
    );
    await expectCutOff(calls, startedAt);
  });
});
