import { Code, ConnectError, createClient } from '@connectrpc/connect';
import { createGrpcTransport, Http2SessionManager } from '@connectrpc/connect-node';
import { GreeterService } from '@protomesh/proto/greeter/v1';
import { Health } from '@protomesh/proto/grpc/health/v1';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { killAll, parseExposition, sampleValue, SERVER_BUNDLE, SERVERS, startServer } from '@protomesh/testing';

const TRACE_ID = '5b8efff798038103d269b633813fc60c';
const TRACEPARENT = `00-${TRACE_ID}-eee19b7ec3c1b174-01`;
const SAY_HELLO = 'greeter.v1.GreeterService/SayHello';

async function withClient<T>(url: string, use: (transport: ReturnType<typeof createGrpcTransport>) => Promise<T>) {
  const sessionManager = new Http2SessionManager(url);
  try {
    return await use(createGrpcTransport({ baseUrl: url, sessionManager }));
  } finally {
    sessionManager.abort();
  }
}

describe.each(SERVERS)('$name telemetry', ({ program }) => {
  afterEach(killAll);

  it('serves metrics on METRICS_PORT with the status each client received, health included', async () => {
    const server = await startServer({ METRICS_PORT: '0', LOG_LEVEL: 'debug' }, program);
    // As logged: the metrics listen on the server's own HOST, never on the gRPC port.
    const logged = await server.process.waitForLine((l) => String(l.msg).startsWith('metrics on '), 5_000);
    const url = String(logged.url);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    expect(new URL(url).port).not.toBe(String(server.port));
    await withClient(server.url, async (transport) => {
      const greeter = createClient(GreeterService, transport);
      await greeter.sayHello({ name: 'a' }, { headers: { traceparent: TRACEPARENT, 'x-request-id': 'req-1' } });
      const invalid = await greeter.sayHello({ name: '' }).catch((err: unknown) => ConnectError.from(err));
      expect(invalid).toMatchObject({ code: Code.InvalidArgument });
      await createClient(Health, transport).check({ service: '' });
    });
    const samples = parseExposition(await (await fetch(url)).text());
    const count = 'rpc_server_call_duration_seconds_count';
    const grpc = { rpc_system_name: 'grpc' };
    expect(sampleValue(samples, count, { ...grpc, rpc_method: SAY_HELLO, rpc_status_code: 'OK' })).toBe(1);
    // The handler throws a domain error; the metrics see the code it was mapped to.
    expect(sampleValue(samples, count, { ...grpc, rpc_method: SAY_HELLO, rpc_status_code: 'INVALID_ARGUMENT' })).toBe(
      1,
    );
    expect(
      sampleValue(samples, count, { ...grpc, rpc_method: 'grpc.health.v1.Health/Check', rpc_status_code: 'OK' }),
    ).toBe(1);
    expect(sampleValue(samples, 'rpc_server_active_calls', { ...grpc, rpc_method: SAY_HELLO })).toBe(0);
    expect(sampleValue(samples, 'process_resident_memory_bytes', {})).toBeGreaterThan(0);

    const callLog = server.process.lines.find((l) => l.msg === 'call' && l['trace_id'] !== undefined);
    expect(callLog).toMatchObject({ procedure: `/${SAY_HELLO}`, code: 'OK', trace_id: TRACE_ID, request_id: 'req-1' });
  }, 15_000);
});

describe('both servers’ metrics', () => {
  afterEach(killAll);

  /** The rpc_server_* series (name and labels, histogram buckets included) after the same three calls. */
  async function rpcSeries(program: string): Promise<string[]> {
    const server = await startServer({ METRICS_PORT: '0' }, program);
    const logged = await server.process.waitForLine((l) => String(l.msg).startsWith('metrics on '), 5_000);
    await withClient(server.url, async (transport) => {
      const greeter = createClient(GreeterService, transport);
      await greeter.sayHello({ name: 'a' });
      await greeter.sayHello({ name: '' }).catch(() => undefined);
      await createClient(Health, transport).check({ service: '' });
    });
    const samples = parseExposition(await (await fetch(String(logged.url))).text());
    return samples
      .filter((sample) => sample.name.startsWith('rpc_server_'))
      .map((sample) => `${sample.name}${JSON.stringify(Object.entries(sample.labels).sort())}`)
      .sort();
  }

  it('have the same names, labels and buckets, so one dashboard serves both', async () => {
    const [ts, go] = await Promise.all(SERVERS.map(({ program }) => rpcSeries(program)));
    expect(ts.length).toBeGreaterThan(40);
    expect(go).toEqual(ts);
  }, 15_000);
});

// The Go server exports no spans (its call lines still carry the caller's trace_id, above).
describe('TypeScript server span export', () => {
  afterEach(killAll);

  it('exports a SERVER span in the caller’s trace when an OTLP endpoint is set', async () => {
    const bodies: string[] = [];
    const receiver: Server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        bodies.push(body);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = receiver.address() as AddressInfo;
      const server = await startServer(
        {
          METRICS_PORT: '0',
          OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
          // JSON, to read the spans here; protobuf, the default, is checked in libs/telemetry.
          OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
          OTEL_BSP_SCHEDULE_DELAY: '50',
          OTEL_SERVICE_NAME: 'greeter-bundle-under-test',
        },
        SERVER_BUNDLE,
      );
      expect(server.process.lines).toContainEqual(
        expect.objectContaining({ msg: `exporting traces to http://127.0.0.1:${port}` }),
      );
      await withClient(server.url, (transport) =>
        createClient(GreeterService, transport).sayHello({ name: 'a' }, { headers: { traceparent: TRACEPARENT } }),
      );
      const deadline = Date.now() + 5_000;
      while (!bodies.some((b) => b.includes(TRACE_ID)) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const spans = bodies.flatMap((b) =>
        (
          JSON.parse(b) as { resourceSpans: { scopeSpans: { spans: Record<string, unknown>[] }[] }[] }
        ).resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans)),
      );
      expect(spans).toContainEqual(
        expect.objectContaining({ traceId: TRACE_ID, parentSpanId: 'eee19b7ec3c1b174', name: SAY_HELLO, kind: 2 }),
      );
      expect(bodies.join('')).toContain('greeter-bundle-under-test');
    } finally {
      await new Promise((resolve) => receiver.close(resolve));
    }
  }, 15_000);
});
