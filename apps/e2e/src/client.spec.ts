import {
  BundleProcess,
  CLIENT_BUNDLE,
  callLines,
  killAll,
  runToExit,
  SERVERS,
  type StartedServer,
  startServer,
  unusedPort,
  waitForCalls,
} from '@protomesh/testing';

// Starting bundles on a busy machine can outlast Jest's 5 s default; each wait has its own bound.
jest.setTimeout(30_000);

function runClient(url: string, env: Record<string, string>, timeoutMs = 10_000) {
  return runToExit(CLIENT_BUNDLE, { SERVER_URL: url, INTERVAL: '100ms', ...env }, timeoutMs);
}

describe.each(SERVERS)('client bundle against the $name', ({ program }) => {
  afterEach(killAll);

  it('makes COUNT calls, logs each with the server that answered, and exits 0', async () => {
    const server = await startServer({ POD_NAME: 'pod-a', SERVICE_VERSION: '2.0.0' }, program);
    const { exit, process } = await runClient(server.url, { COUNT: '3', NAME: 'Ada' });
    expect(exit.code).toBe(0);
    const calls = callLines(process);
    expect(calls).toHaveLength(3);
    for (const call of calls) {
      expect(call).toMatchObject({
        msg: 'SayHello OK',
        code: 'OK',
        attempts: 1,
        message: 'Hello, Ada!',
        serverInstance: 'pod-a',
        serverVersion: '2.0.0',
      });
    }
    expect(process.lines.at(-1)).toMatchObject({ msg: 'client stopped', calls: 3, asExpected: 3 });
  });

  it('logs no trace id when nothing traces, and the same trace id as the server when spans are exported', async () => {
    const server = await startServer({ LOG_LEVEL: 'debug' }, program);
    const untraced = await runClient(server.url, { COUNT: '1' });
    expect(callLines(untraced.process)[0]).not.toHaveProperty('trace_id');

    // Nothing listens at the OTLP endpoint: export fails (a warning), the trace still exists.
    const collector = `http://127.0.0.1:${await unusedPort()}`;
    const traced = await runClient(server.url, { COUNT: '2', OTEL_EXPORTER_OTLP_ENDPOINT: collector });
    expect(traced.exit.code).toBe(0);
    const traceIds = callLines(traced.process).map((line) => line.trace_id);
    expect(traceIds).toEqual([expect.stringMatching(/^[0-9a-f]{32}$/), expect.stringMatching(/^[0-9a-f]{32}$/)]);
    expect(traceIds[0]).not.toBe(traceIds[1]);
    const serverCalls = server.process.lines.filter(
      (line) => line.msg === 'call' && line.procedure === '/greeter.v1.GreeterService/SayHello',
    );
    expect(serverCalls.map((line) => line.trace_id)).toEqual(expect.arrayContaining(traceIds));
  });

  it('retries a server-side UNAVAILABLE abort MAX_ATTEMPTS times', async () => {
    const server = await startServer(
      { POD_NAME: 'pod-abort', FAULT_ABORT_STATUS: 'UNAVAILABLE', FAULT_ABORT_PERCENT: '100' },
      program,
    );
    const { exit, process } = await runClient(server.url, { COUNT: '2', MAX_ATTEMPTS: '4' });
    expect(exit.code).toBe(1);
    const calls = callLines(process);
    expect(calls).toHaveLength(2);
    for (const call of calls) {
      // The server answered (it names itself): the application aborted the call.
      expect(call).toMatchObject({ code: 'UNAVAILABLE', attempts: 4, serverInstance: 'pod-abort' });
    }
  });

  it('is unaffected by an abort fault at 0 %', async () => {
    const server = await startServer({ FAULT_ABORT_STATUS: 'UNAVAILABLE', FAULT_ABORT_PERCENT: '0' }, program);
    const { exit, process } = await runClient(server.url, { COUNT: '2', MAX_ATTEMPTS: '4' });
    expect(exit.code).toBe(0);
    expect(callLines(process).map((call) => [call.code, call.attempts])).toEqual([
      ['OK', 1],
      ['OK', 1],
    ]);
  });
});

describe('client bundle with no server', () => {
  afterEach(killAll);

  it('reports UNAVAILABLE after MAX_ATTEMPTS when nothing listens, and exits 1', async () => {
    const port = await unusedPort();
    const { exit, process } = await runClient(`http://127.0.0.1:${port}`, { COUNT: '2', MAX_ATTEMPTS: '4' });
    expect(exit.code).toBe(1);
    expect(callLines(process)).toEqual([
      expect.objectContaining({ code: 'UNAVAILABLE', attempts: 4, serverInstance: null }),
      expect.objectContaining({ code: 'UNAVAILABLE', attempts: 4, serverInstance: null }),
    ]);
  });
});

describe.each(SERVERS)('client bundle against a $name that delays every call by 10 s', ({ program }) => {
  let server: StartedServer;

  beforeAll(async () => {
    server = await startServer({ FAULT_DELAY: '10s', FAULT_DELAY_PERCENT: '100' }, program);
  });

  // One server for both cases: afterAll, not afterEach, ends it (and any client left over).
  afterAll(killAll);

  it('ends each call at its TIMEOUT with DEADLINE_EXCEEDED and exits 1', async () => {
    const { exit, process } = await runClient(server.url, { COUNT: '2', TIMEOUT: '1s' });
    expect(exit.code).toBe(1);
    const calls = callLines(process);
    expect(calls.map((call) => call.code)).toEqual(['DEADLINE_EXCEEDED', 'DEADLINE_EXCEEDED']);
    for (const call of calls) {
      // Not retried (the budget is spent), so one attempt of about TIMEOUT.
      expect(call.attempts).toBe(1);
      expect(call.latencyMs).toBeGreaterThanOrEqual(950);
      expect(call.latencyMs).toBeLessThan(3_000);
    }
  });

  it('exits 0 when DEADLINE_EXCEEDED is what EXPECT asks for', async () => {
    const { exit, process } = await runClient(server.url, {
      COUNT: '2',
      TIMEOUT: '1s',
      EXPECT: 'DEADLINE_EXCEEDED',
    });
    expect(exit.code).toBe(0);
    expect(callLines(process).map((call) => call.code)).toEqual(['DEADLINE_EXCEEDED', 'DEADLINE_EXCEEDED']);
  });
});

function startClient(url: string, interval: string): BundleProcess {
  return new BundleProcess(CLIENT_BUNDLE, { SERVER_URL: url, INTERVAL: interval, TIMEOUT: '1s', MAX_ATTEMPTS: '2' });
}

describe('client bundle running forever', () => {
  afterEach(killAll);

  it('stops at SIGTERM without waiting out INTERVAL, and exits 0 when every call was OK', async () => {
    const server = await startServer();
    const client = startClient(server.url, '1m');
    await waitForCalls(client, 'OK', 1, 10_000);

    const signalled = Date.now();
    client.signal('SIGTERM');
    expect(await client.waitForExit(10_000)).toEqual({ code: 0, signal: null });
    expect(Date.now() - signalled).toBeLessThan(5_000);
    expect(client.lines.at(-1)).toMatchObject({ msg: 'client stopped', calls: 1, asExpected: 1 });
  });
});

describe.each(SERVERS)('client bundle running forever against the $name', ({ program }) => {
  afterEach(killAll);

  it('reports UNAVAILABLE while the server is down and recovers when it is back on the same port', async () => {
    const first = await startServer({ POD_NAME: 'first' }, program);
    const client = startClient(first.url, '200ms');
    await waitForCalls(client, 'OK', 2, 10_000);

    first.process.signal('SIGTERM');
    expect(await first.process.waitForExit(10_000)).toMatchObject({ code: 0 });
    const downFrom = client.lines.length;
    await waitForCalls(client, 'UNAVAILABLE', 2, 10_000, downFrom);
    expect(callLines(client, downFrom).map((call) => call.attempts)).toContain(2);

    const second = await startServer({ POD_NAME: 'second', PORT: String(first.port) }, program);
    expect(second.port).toBe(first.port);
    const backFrom = client.lines.length;
    await waitForCalls(client, 'OK', 2, 10_000, backFrom);
    const recovered = callLines(client, backFrom).filter((call) => call.code === 'OK');
    expect(recovered.every((call) => call.serverInstance === 'second')).toBe(true);

    // Exit 1, not 0: the calls made during the outage did not end with EXPECT=OK.
    client.signal('SIGTERM');
    expect(await client.waitForExit(10_000)).toEqual({ code: 1, signal: null });
    expect(client.lines.at(-1)).toMatchObject({ msg: 'client stopped' });
  });
});
