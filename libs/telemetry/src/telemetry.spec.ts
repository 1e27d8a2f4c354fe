import { createClient, createRouterTransport } from '@connectrpc/connect';
import { GreeterService } from '@protomesh/proto/greeter/v1';
import { ConfigError } from '@protomesh/runtime';
import { pino } from 'pino';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTelemetry, type Telemetry } from './telemetry.js';
import { readTelemetryConfig } from './telemetry-config.js';
import { type ConnectServer, logLines, loopbackTransport, startConnectServer } from '@protomesh/testing';

describe('readTelemetryConfig', () => {
  it('defaults to metrics on 9464 and no trace export', () => {
    expect(readTelemetryConfig({})).toEqual({ metricsPort: 9464, traceExport: undefined });
  });

  it('reads METRICS_PORT, 0 meaning a free port', () => {
    expect(readTelemetryConfig({ METRICS_PORT: '9100' }).metricsPort).toBe(9100);
    expect(readTelemetryConfig({ METRICS_PORT: '0' }, { PORT: 0 }).metricsPort).toBe(0);
  });

  it.each([['x'], ['65536'], ['-1']])('refuses METRICS_PORT=%s', (value) => {
    expect(() => readTelemetryConfig({ METRICS_PORT: value })).toThrow(
      /^METRICS_PORT: expected an integer from 0 to 65535/,
    );
  });

  it('refuses a metrics port that the app already uses', () => {
    const read = () => readTelemetryConfig({ METRICS_PORT: '8080' }, { PORT: 8080 });
    expect(read).toThrow(ConfigError);
    expect(read).toThrow('METRICS_PORT: expected a port other than PORT (8080), got "8080"');
  });
});

describe('startTelemetry', () => {
  const started: Telemetry[] = [];
  const { lines, sink } = logLines();
  const logger = pino({ base: null, timestamp: false }, sink);
  const service = { name: 'spec', version: '0.0.0', instance: 'spec-1' };

  afterEach(async () => {
    await Promise.all(started.splice(0).map((telemetry) => telemetry.shutdown()));
    lines.length = 0;
  });

  it('serves metrics and says where', async () => {
    const telemetry = await startTelemetry({
      side: 'server',
      service,
      config: { metricsPort: 0, traceExport: undefined },
      metricsHost: '127.0.0.1',
      logger,
    });
    started.push(telemetry);
    const url = telemetry.metricsServer!.url;
    expect(lines).toEqual([{ level: 30, url, msg: `metrics on ${url}` }]);
    expect(await (await fetch(url)).text()).toContain('# TYPE rpc_server_call_duration_seconds histogram');
  });

  it('keeps going without metrics when the port is taken, and says so', async () => {
    const first = await startTelemetry({
      side: 'client',
      service,
      config: { metricsPort: 0, traceExport: undefined },
      metricsHost: '127.0.0.1',
      logger,
    });
    started.push(first);
    const port = first.metricsServer!.address.port;
    const second = await startTelemetry({
      side: 'client',
      service,
      config: { metricsPort: port, traceExport: undefined },
      metricsHost: '127.0.0.1',
      logger,
    });
    started.push(second);
    expect(second.metricsServer).toBeUndefined();
    // The app keeps serving: calls still pass through the interceptor.
    const transport = createRouterTransport(
      (router) => router.service(GreeterService, { sayHello: () => ({ message: 'still here' }) }),
      { transport: { interceptors: [second.interceptor] } },
    );
    await expect(createClient(GreeterService, transport).sayHello({ name: 'x' })).resolves.toMatchObject({
      message: 'still here',
    });
    expect(lines[1]).toMatchObject({ level: 50, port, msg: 'metrics server not started', err: { code: 'EADDRINUSE' } });
  });

  it('gives up on the last spans after shutdownLimitMs when the collector does not answer', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const saved = { ...process.env };
    process.env['OTEL_EXPORTER_OTLP_ENDPOINT'] = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    // Longer than the shutdown limit, short enough that the abandoned export ends with the test.
    process.env['OTEL_EXPORTER_OTLP_TIMEOUT'] = '1000';
    // Closed in `finally` when the test fails halfway, so nothing keeps Jest waiting.
    let telemetry: Telemetry | undefined;
    let server: ConnectServer | undefined;
    let client: ReturnType<typeof loopbackTransport> | undefined;
    try {
      const config = readTelemetryConfig({ METRICS_PORT: '0', ...process.env });
      telemetry = await startTelemetry({
        side: 'server',
        service,
        config,
        metricsHost: '127.0.0.1',
        logger,
        shutdownLimitMs: 300,
      });
      server = await startConnectServer(
        (router) => router.service(GreeterService, { sayHello: () => ({ message: 'hi' }) }),
        [telemetry.interceptor],
      );
      client = loopbackTransport(server.url, []);
      await createClient(GreeterService, client.transport).sayHello({ name: 'x' });
      client.close();
      client = undefined;
      await server.close();
      server = undefined;
      const shuttingDown = telemetry;
      telemetry = undefined;
      const started = Date.now();
      await shuttingDown.shutdown();
      expect(Date.now() - started).toBeLessThan(3_000);
      expect(lines.at(-1)).toMatchObject({ level: 40, limitMs: 300, msg: 'gave up exporting the last spans' });
    } finally {
      client?.close();
      await server?.close();
      await telemetry?.shutdown();
      process.env = saved;
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
