import { Code, ConnectError, createClient } from '@connectrpc/connect';
import { GreeterService } from '@protomesh/proto/greeter/v1';
import { ConfigError } from '@protomesh/runtime';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { createClientTelemetryInterceptor } from './client-interceptor.js';
import { RpcMetrics } from './rpc-metrics.js';
import { createServerTelemetryInterceptor } from './server-interceptor.js';
import { loopbackTransport, startConnectServer } from '@protomesh/testing';
import { readTraceExportConfig, startTraceExport } from './trace-export.js';

describe('readTraceExportConfig', () => {
  const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' };

  it('is off unless an OTLP endpoint is set', () => {
    expect(readTraceExportConfig({})).toBeUndefined();
    expect(readTraceExportConfig({ OTEL_SERVICE_NAME: 'x', OTEL_TRACES_SAMPLER: 'always_on' })).toBeUndefined();
  });

  it('is on with either endpoint variable, the traces one first', () => {
    expect(readTraceExportConfig(endpoint)).toMatchObject({
      endpointSetting: 'OTEL_EXPORTER_OTLP_ENDPOINT',
      endpoint: 'http://collector:4318',
      protocol: 'http/protobuf',
      sampler: 'parentbased_always_on',
      batch: { scheduledDelayMillis: 5000, maxExportBatchSize: 512 },
    });
    expect(
      readTraceExportConfig({ ...endpoint, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://other:4318/v1/traces' }),
    ).toMatchObject({ endpointSetting: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', endpoint: 'http://other:4318/v1/traces' });
  });

  it('encodes as the protocol variables say, the traces one first, protobuf by default as the specification says', () => {
    const protocol = (env: Record<string, string>) => readTraceExportConfig({ ...endpoint, ...env })?.protocol;
    expect(protocol({})).toBe('http/protobuf');
    expect(protocol({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' })).toBe('http/json');
    expect(
      protocol({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf' }),
    ).toBe('http/protobuf');
  });

  it('stays off when the SDK is disabled or the exporter is none', () => {
    expect(readTraceExportConfig({ ...endpoint, OTEL_SDK_DISABLED: 'true' })).toBeUndefined();
    expect(readTraceExportConfig({ ...endpoint, OTEL_SDK_DISABLED: 'TRUE' })).toBeUndefined();
    expect(readTraceExportConfig({ ...endpoint, OTEL_TRACES_EXPORTER: 'none' })).toBeUndefined();
    expect(readTraceExportConfig({ ...endpoint, OTEL_SDK_DISABLED: 'false' })).toBeDefined();
    expect(readTraceExportConfig({ ...endpoint, OTEL_TRACES_EXPORTER: 'otlp' })).toBeDefined();
  });

  it('reads the sampler and batch settings', () => {
    expect(
      readTraceExportConfig({
        ...endpoint,
        OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
        OTEL_TRACES_SAMPLER_ARG: '0.25',
        OTEL_BSP_SCHEDULE_DELAY: '100',
      }),
    ).toMatchObject({ sampler: 'parentbased_traceidratio', samplerRatio: 0.25, batch: { scheduledDelayMillis: 100 } });
  });

  it.each([
    [{ OTEL_TRACES_EXPORTER: 'zipkin' }, 'OTEL_TRACES_EXPORTER'],
    [{ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }, 'OTEL_EXPORTER_OTLP_PROTOCOL'],
    [{ OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'grpc' }, 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL'],
    [{ OTEL_TRACES_SAMPLER: 'sometimes' }, 'OTEL_TRACES_SAMPLER'],
    [{ OTEL_TRACES_SAMPLER_ARG: '1.5' }, 'OTEL_TRACES_SAMPLER_ARG'],
    [{ OTEL_BSP_SCHEDULE_DELAY: 'soon' }, 'OTEL_BSP_SCHEDULE_DELAY'],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }, 'OTEL_EXPORTER_OTLP_ENDPOINT'],
  ])('refuses %j, naming the setting', (bad, setting) => {
    const read = () => readTraceExportConfig({ ...endpoint, ...bad });
    expect(read).toThrow(ConfigError);
    expect(read).toThrow(new RegExp(`^${setting}: expected `));
  });
});

interface OtlpRequest {
  readonly path: string;
  readonly contentType: string | undefined;
  readonly body: Buffer;
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: { key: string; value: { stringValue?: string; intValue?: number | string } }[];
  status?: { code?: number; message?: string };
}
interface OtlpTraces {
  resourceSpans: {
    resource: { attributes: { key: string; value: { stringValue?: string } }[] };
    scopeSpans: { spans: OtlpSpan[] }[];
  }[];
}

// OTLP enums: SPAN_KIND_SERVER = 2, SPAN_KIND_CLIENT = 3; STATUS_CODE_ERROR = 2.
const SERVER = 2;
const CLIENT = 3;
const STATUS_ERROR = 2;

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN_ID = '00f067aa0ba902b7';

function attribute(span: OtlpSpan, key: string): string | number | undefined {
  const value = span.attributes.find((a) => a.key === key)?.value;
  return value?.stringValue ?? (value?.intValue === undefined ? undefined : Number(value.intValue));
}

describe('OTLP export to a loopback receiver', () => {
  const received: OtlpRequest[] = [];
  let receiver: Server;
  const saved = { ...process.env };

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        received.push({ path: req.url ?? '', contentType: req.headers['content-type'], body: Buffer.concat(chunks) });
        // An empty ExportTraceServiceResponse in either encoding.
        res.writeHead(200, { 'content-type': req.headers['content-type'] ?? 'application/json' });
        res.end(req.headers['content-type'] === 'application/json' ? '{}' : '');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const { port } = receiver.address() as AddressInfo;
    process.env['OTEL_EXPORTER_OTLP_ENDPOINT'] = `http://127.0.0.1:${port}`;
    process.env['OTEL_SERVICE_NAME'] = 'greeter-under-test';
  });

  afterEach(() => {
    received.length = 0;
    delete process.env['OTEL_EXPORTER_OTLP_PROTOCOL'];
  });

  afterAll(async () => {
    process.env = saved;
    await new Promise((resolve) => receiver.close(resolve));
  });

  it('sends protobuf by default: the caller’s trace id and the service name in an application/x-protobuf body', async () => {
    const config = readTraceExportConfig(process.env);
    expect(config).toBeDefined();
    const traceExport = startTraceExport(config!, {
      name: 'greeter-server',
      version: '1.2.3',
      instance: 'pod-7',
    });
    const server = await startConnectServer(
      (router) => router.service(GreeterService, { sayHello: (req) => ({ message: `Hello, ${req.name}!` }) }),
      [
        createServerTelemetryInterceptor({
          metrics: new RpcMetrics('server', { registry: new Registry() }),
          tracer: traceExport.tracer,
        }),
      ],
    );
    const plain = loopbackTransport(server.url, []);
    try {
      await createClient(GreeterService, plain.transport).sayHello(
        { name: 'otel' },
        { headers: { traceparent: `00-${TRACE_ID}-${CALLER_SPAN_ID}-01` } },
      );
    } finally {
      plain.close();
      await server.close();
      await traceExport.shutdown();
    }
    expect(received.length).toBeGreaterThan(0);
    for (const request of received) {
      expect(request.path).toBe('/v1/traces');
      expect(request.contentType).toBe('application/x-protobuf');
    }
    const body = Buffer.concat(received.map((r) => r.body));
    // Protobuf carries the ids as raw bytes (JSON would spell them in hex) and strings as UTF-8.
    expect(body.includes(Buffer.from(TRACE_ID, 'hex'))).toBe(true);
    expect(body.includes(Buffer.from(CALLER_SPAN_ID, 'hex'))).toBe(true);
    expect(body.includes(Buffer.from('greeter-under-test'))).toBe(true);
    expect(body.includes(Buffer.from(TRACE_ID))).toBe(false);
  });

  it('sends the server and client spans of a call, in the caller’s trace, named after the method, with their status', async () => {
    process.env['OTEL_EXPORTER_OTLP_PROTOCOL'] = 'http/json';
    const config = readTraceExportConfig(process.env);
    expect(config).toBeDefined();
    const traceExport = startTraceExport(config!, { name: 'greeter-server', version: '1.2.3', instance: 'pod-7' });
    const registry = new Registry();
    const server = await startConnectServer(
      (router) =>
        router.service(GreeterService, {
          sayHello(req) {
            if (req.name === 'bug') {
              throw new ConnectError('internal error', Code.Unknown);
            }
            if (req.name === '') {
              throw new ConnectError('name: must not be empty', Code.InvalidArgument);
            }
            return { message: `Hello, ${req.name}!` };
          },
        }),
      [
        createServerTelemetryInterceptor({
          metrics: new RpcMetrics('server', { registry }),
          tracer: traceExport.tracer,
        }),
      ],
    );
    const plain = loopbackTransport(server.url, []);
    const traced = loopbackTransport(server.url, [
      createClientTelemetryInterceptor({ metrics: new RpcMetrics('client', { registry }), tracer: traceExport.tracer }),
    ]);
    try {
      const traceparent = `00-${TRACE_ID}-${CALLER_SPAN_ID}-01`;
      const greeter = createClient(GreeterService, plain.transport);
      await greeter.sayHello({ name: 'otel' }, { headers: { traceparent } });
      await expect(greeter.sayHello({ name: 'bug' }, { headers: { traceparent } })).rejects.toThrow(/internal error/);
      await expect(createClient(GreeterService, traced.transport).sayHello({ name: '' })).rejects.toThrow(/empty/);
    } finally {
      plain.close();
      traced.close();
      await server.close();
      await traceExport.shutdown();
    }

    expect(received.length).toBeGreaterThan(0);
    for (const request of received) {
      expect(request.path).toBe('/v1/traces');
      expect(request.contentType).toBe('application/json');
    }
    const resourceSpans = received.flatMap((r) => (JSON.parse(r.body.toString('utf8')) as OtlpTraces).resourceSpans);
    const resource = Object.fromEntries(resourceSpans[0].resource.attributes.map((a) => [a.key, a.value.stringValue]));
    expect(resource).toMatchObject({
      'service.name': 'greeter-under-test',
      'service.version': '1.2.3',
      'service.instance.id': 'pod-7',
    });
    const spans = resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans));
    expect(spans).toHaveLength(4);
    for (const span of spans) {
      expect(span.name).toBe('greeter.v1.GreeterService/SayHello');
      expect(attribute(span, 'rpc.system.name')).toBe('grpc');
      expect(attribute(span, 'rpc.method')).toBe('greeter.v1.GreeterService/SayHello');
      expect(attribute(span, 'server.address')).toBe('127.0.0.1');
    }

    const fromCaller = spans.filter((s) => s.traceId === TRACE_ID);
    expect(fromCaller).toHaveLength(2);
    for (const span of fromCaller) {
      expect(span.kind).toBe(SERVER);
      expect(span.parentSpanId).toBe(CALLER_SPAN_ID);
    }
    const ok = fromCaller.find((s) => attribute(s, 'rpc.status_code') === 'OK')!;
    expect(ok.status?.code ?? 0).not.toBe(STATUS_ERROR);
    expect(attribute(ok, 'error.type')).toBeUndefined();
    const failed = fromCaller.find((s) => attribute(s, 'rpc.status_code') === 'UNKNOWN')!;
    expect(failed.status).toMatchObject({ code: STATUS_ERROR, message: 'internal error' });
    expect(attribute(failed, 'error.type')).toBe('UNKNOWN');

    // INVALID_ARGUMENT is the caller's fault: an error for the client span, not for the server span.
    const clientSpan = spans.find((s) => s.kind === CLIENT)!;
    const serverSpan = spans.find((s) => s.kind === SERVER && s.parentSpanId === clientSpan.spanId)!;
    expect(serverSpan.traceId).toBe(clientSpan.traceId);
    expect(clientSpan.status).toMatchObject({ code: STATUS_ERROR });
    expect(attribute(clientSpan, 'error.type')).toBe('INVALID_ARGUMENT');
    expect(attribute(serverSpan, 'rpc.status_code')).toBe('INVALID_ARGUMENT');
    expect(serverSpan.status?.code ?? 0).not.toBe(STATUS_ERROR);
  });
});
