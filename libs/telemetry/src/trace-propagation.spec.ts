import {
  type Client,
  type ConnectRouter,
  createClient,
  type Interceptor,
  type ServiceImpl,
  type Transport,
} from '@connectrpc/connect';
import { SpanKind, type Tracer } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { GreeterService } from '@protomesh/proto/greeter/v1';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { TRACE_HEADERS } from './call-context.js';
import { createClientTelemetryInterceptor } from './client-interceptor.js';
import { withTraceContext } from './log-context.js';
import { RpcMetrics } from './rpc-metrics.js';
import { createServerTelemetryInterceptor } from './server-interceptor.js';
import {
  type ConnectServer,
  logLines,
  loopbackTransport,
  parseExposition,
  sampleValue,
  startConnectServer,
} from '@protomesh/testing';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const CALLER_SPAN_ID = 'b7ad6b7169203331';
const INCOMING = {
  traceparent: `00-${TRACE_ID}-${CALLER_SPAN_ID}-01`,
  tracestate: 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7',
  b3: `${TRACE_ID}-${CALLER_SPAN_ID}-1`,
  'x-b3-traceid': TRACE_ID,
  'x-b3-spanid': CALLER_SPAN_ID,
  'x-b3-parentspanid': '00f067aa0ba902b7',
  'x-b3-sampled': '1',
  'x-b3-flags': '1',
  'x-request-id': '6f0e8a59-4d3c-4a8e-9a37-2f1c5e0b7d11',
};

type Headers = Record<string, string>;

/**
 * Server A, whose SayHello calls server B through the client interceptor,
 * and a plain client for A (no telemetry of its own, like a sidecar).
 */
class Chain {
  readonly seenByB: Headers[] = [];
  readonly log = logLines();
  readonly registryA = new Registry();
  private readonly closers: (() => unknown)[] = [];
  toA!: Client<typeof GreeterService>;

  async start(tracer?: TracerProvider): Promise<this> {
    const tracerA = tracer?.getTracer('a');
    const tracerB = tracer?.getTracer('b');
    const b = await this.server(
      {
        sayHello: (_req, ctx) => {
          this.seenByB.push(
            Object.fromEntries(
              TRACE_HEADERS.flatMap((h) => (ctx.requestHeader.has(h) ? [[h, ctx.requestHeader.get(h)!]] : [])),
            ),
          );
          return { message: 'from B' };
        },
      },
      new RpcMetrics('server', { registry: new Registry() }),
      tracerB,
    );
    const toB = this.transport(b.url, [
      createClientTelemetryInterceptor({
        metrics: new RpcMetrics('client', { registry: this.registryA }),
        tracer: tracerA,
      }),
    ]);
    const clientB = createClient(GreeterService, toB);
    const logger = withTraceContext(pino({ base: null, timestamp: false }, this.log.sink));
    const a = await this.server(
      {
        sayHello: async (req) => {
          await new Promise((resolve) => setTimeout(resolve, 5));
          logger.info({ name: req.name }, 'calling B');
          const res = await clientB.sayHello({ name: req.name });
          return { message: `A then ${res.message}` };
        },
      },
      new RpcMetrics('server', { registry: this.registryA }),
      tracerA,
    );
    this.toA = createClient(GreeterService, this.transport(a.url, []));
    return this;
  }

  async close(): Promise<void> {
    for (const close of this.closers.reverse()) {
      await close();
    }
  }

  private async server(impl: Greeter, metrics: RpcMetrics, tracer: Tracer | undefined): Promise<ConnectServer> {
    const routes = (router: ConnectRouter) => router.service(GreeterService, impl);
    const server = await startConnectServer(routes, [createServerTelemetryInterceptor({ metrics, tracer })]);
    this.closers.push(() => server.close());
    return server;
  }

  private transport(url: string, interceptors: Interceptor[]): Transport {
    const { transport, close } = loopbackTransport(url, interceptors);
    this.closers.push(close);
    return transport;
  }
}

type Greeter = Partial<ServiceImpl<typeof GreeterService>>;

describe('trace context across a call chain (client → A → B)', () => {
  let chain: Chain;

  afterEach(async () => {
    await chain.close();
  });

  describe('without span export (the Istio case: the app only forwards)', () => {
    beforeEach(async () => {
      chain = await new Chain().start();
    });

    it('forwards every incoming trace header to B unchanged', async () => {
      const res = await chain.toA.sayHello({ name: 'x' }, { headers: INCOMING });
      expect(res.message).toBe('A then from B');
      expect(chain.seenByB).toEqual([INCOMING]);
    });

    it('puts the trace id and request id on the log lines written while handling the call', async () => {
      await chain.toA.sayHello({ name: 'x' }, { headers: INCOMING });
      expect(chain.log.lines).toEqual([
        expect.objectContaining({
          msg: 'calling B',
          trace_id: TRACE_ID,
          span_id: CALLER_SPAN_ID,
          trace_flags: '01',
          request_id: INCOMING['x-request-id'],
        }),
      ]);
    });

    it('keeps concurrent calls apart', async () => {
      const ids = [
        '11111111111111111111111111111111',
        '22222222222222222222222222222222',
        '33333333333333333333333333333333',
      ];
      await Promise.all(
        ids.map((id, i) =>
          chain.toA.sayHello(
            { name: id },
            { headers: { traceparent: `00-${id}-${CALLER_SPAN_ID}-01`, 'x-request-id': `req-${i}` } },
          ),
        ),
      );
      const pairs = chain.seenByB.map((h) => [h['traceparent'].split('-')[1], h['x-request-id']]);
      expect(pairs.sort()).toEqual(ids.map((id, i) => [id, `req-${i}`]));
      const logged = chain.log.lines.map((line) => [line['name'], line['trace_id']]);
      expect(logged.sort()).toEqual(ids.map((id) => [id, id]));
    });

    it('invents no trace context for a call that came without one', async () => {
      await chain.toA.sayHello({ name: 'x' });
      expect(chain.seenByB).toEqual([{}]);
      expect(chain.log.lines[0]).not.toHaveProperty('trace_id');
    });

    it('records A’s incoming and outgoing call in A’s metrics', async () => {
      await chain.toA.sayHello({ name: 'x' }, { headers: INCOMING });
      const samples = parseExposition(await chain.registryA.metrics());
      const labels = {
        rpc_system_name: 'grpc',
        rpc_method: 'greeter.v1.GreeterService/SayHello',
        rpc_status_code: 'OK',
      };
      expect(sampleValue(samples, 'rpc_server_call_duration_seconds_count', labels)).toBe(1);
      expect(sampleValue(samples, 'rpc_client_call_duration_seconds_count', labels)).toBe(1);
      expect(sampleValue(samples, 'rpc_client_call_attempts_total', labels)).toBe(1);
    });
  });

  describe('with spans recorded', () => {
    let exporter: InMemorySpanExporter;

    beforeEach(async () => {
      exporter = new InMemorySpanExporter();
      chain = await new Chain().start(new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] }));
    });

    it('continues the trace: B sees the same trace id, tracestate, b3 trace and x-request-id, with A’s client span as parent', async () => {
      await chain.toA.sayHello({ name: 'x' }, { headers: INCOMING });
      const spans = exporter.getFinishedSpans();
      const aServer = spans.find((s) => s.kind === SpanKind.SERVER && s.instrumentationScope.name === 'a')!;
      const aClient = spans.find((s) => s.kind === SpanKind.CLIENT)!;
      const bServer = spans.find((s) => s.kind === SpanKind.SERVER && s.instrumentationScope.name === 'b')!;
      expect(aServer.parentSpanContext?.spanId).toBe(CALLER_SPAN_ID);
      expect(aClient.parentSpanContext?.spanId).toBe(aServer.spanContext().spanId);
      expect(bServer.parentSpanContext?.spanId).toBe(aClient.spanContext().spanId);
      for (const span of [aServer, aClient, bServer]) {
        expect(span.spanContext().traceId).toBe(TRACE_ID);
        expect(span.name).toBe('greeter.v1.GreeterService/SayHello');
      }
      const clientSpanId = aClient.spanContext().spanId;
      const [seen] = chain.seenByB;
      expect(seen['traceparent']).toBe(`00-${TRACE_ID}-${clientSpanId}-01`);
      expect(seen['tracestate']).toBe(INCOMING.tracestate);
      expect(seen['b3']).toBe(`${TRACE_ID}-${clientSpanId}-1`);
      expect(seen['x-b3-traceid']).toBe(TRACE_ID);
      expect(seen['x-b3-spanid']).toBe(clientSpanId);
      expect(seen['x-b3-sampled']).toBe('1');
      expect(seen['x-request-id']).toBe(INCOMING['x-request-id']);
      expect(chain.log.lines[0]).toMatchObject({ trace_id: TRACE_ID, span_id: aServer.spanContext().spanId });
    });

    it('starts a new trace for a call that came without one and propagates it to B', async () => {
      await chain.toA.sayHello({ name: 'x' });
      const [seen] = chain.seenByB;
      const aServer = exporter
        .getFinishedSpans()
        .find((s) => s.kind === SpanKind.SERVER && s.instrumentationScope.name === 'a')!;
      expect(aServer.parentSpanContext).toBeUndefined();
      expect(seen['traceparent']).toMatch(new RegExp(`^00-${aServer.spanContext().traceId}-[0-9a-f]{16}-01$`));
      expect(seen['x-b3-traceid']).toBe(aServer.spanContext().traceId);
      expect(seen).not.toHaveProperty('b3');
      expect(seen).not.toHaveProperty('x-request-id');
    });
  });
});
