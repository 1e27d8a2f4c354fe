import { Counter } from 'prom-client';
import { createMetricsRegistry, type MetricsServer, startMetricsServer } from './metrics-server.js';

describe('startMetricsServer', () => {
  let server: MetricsServer | undefined;

  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('serves the registry, process metrics included, in the Prometheus text format at /metrics', async () => {
    const registry = createMetricsRegistry();
    new Counter({ name: 'spec_things_total', help: 'things', registers: [registry] }).inc(3);
    server = await startMetricsServer({ registry, host: '127.0.0.1', port: 0 });
    expect(server.url).toBe(`http://127.0.0.1:${server.address.port}/metrics`);
    const res = await fetch(server.url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(text).toContain('spec_things_total 3');
    expect(text).toMatch(/^process_cpu_user_seconds_total \d/m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds \d/m);
  });

  it('answers 404 elsewhere and for other methods', async () => {
    server = await startMetricsServer({ registry: createMetricsRegistry(), host: '127.0.0.1', port: 0 });
    const base = `http://127.0.0.1:${server.address.port}`;
    expect((await fetch(`${base}/`)).status).toBe(404);
    expect((await fetch(`${base}/metricsx`)).status).toBe(404);
    expect((await fetch(server.url, { method: 'POST', body: 'x' })).status).toBe(404);
    expect((await fetch(`${server.url}?name[]=x`)).status).toBe(200);
  });

  it('fails to start on a port already taken', async () => {
    server = await startMetricsServer({ registry: createMetricsRegistry(), host: '127.0.0.1', port: 0 });
    await expect(
      startMetricsServer({ registry: createMetricsRegistry(), host: '127.0.0.1', port: server.address.port }),
    ).rejects.toThrow(/EADDRINUSE/);
  });
});
