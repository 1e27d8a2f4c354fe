import {
  BundleProcess,
  CLIENT_BUNDLE,
  declaredMetrics,
  killAll,
  metricsUrl,
  startServer,
  waitForCalls,
} from '@protomesh/testing';
import { dashboardQueries, ISTIO_STANDARD_METRICS, metricNames, readDashboard } from './support/dashboard.js';

describe('metricNames', () => {
  it('finds the metrics of an expression and nothing else', () => {
    expect(
      metricNames(
        'histogram_quantile(0.99, sum by (le, pod) (rate(a_bucket{x=~"y|z", le!="1"}[5m] offset 1m))) - on (pod) group_left b_total or vector(0)',
      ),
    ).toEqual(['a_bucket', 'b_total']);
    expect(metricNames('sum(rate(c_total{namespace=~"$namespace"}[$__rate_interval]))')).toEqual(['c_total']);
  });
});

describe('the Grafana dashboard', () => {
  afterAll(killAll);

  it('queries only metrics our running apps export or Istio’s standard metrics', async () => {
    const server = await startServer({ METRICS_PORT: '0' });
    const client = new BundleProcess(CLIENT_BUNDLE, { SERVER_URL: server.url, INTERVAL: '100ms', METRICS_PORT: '0' });
    const urls = [await metricsUrl(server.process), await metricsUrl(client)];
    await waitForCalls(client, 'OK', 1, 5_000);
    const exported = new Set<string>();
    for (const url of urls) {
      const res = await fetch(url);
      expect(res.status).toBe(200);
      declaredMetrics(await res.text()).forEach((name) => exported.add(name));
    }

    const queries = dashboardQueries();
    const used = queries.flatMap(({ where, expr }) => metricNames(expr).map((name) => ({ where, name })));
    const unknown = used.filter(({ name }) => !exported.has(name) && !ISTIO_STANDARD_METRICS.has(name));
    expect(unknown).toEqual([]);

    // Guards against a reader that finds nothing: the panels the dashboard promises are there.
    const names = new Set(used.map(({ name }) => name));
    for (const name of [
      'rpc_server_call_duration_seconds_count',
      'rpc_server_call_duration_seconds_bucket',
      'rpc_client_call_duration_seconds_bucket',
      'rpc_client_call_duration_seconds_count',
      'rpc_client_call_attempts_total',
      'istio_requests_total',
      'istio_request_duration_milliseconds_bucket',
    ]) {
      expect(names).toContain(name);
    }
    expect(queries.some((q) => q.where === '$namespace')).toBe(true);
  }, 15_000);

  it('groups the status panels by status code name, and the mesh panels by grpc_response_status', () => {
    const byPanel = new Map(dashboardQueries(readDashboard()).map((q) => [q.where, q.expr]));
    expect(byPanel.get('Server calls/s by status')).toMatch(/sum by \(rpc_status_code\)/);
    expect(byPanel.get('Client errors/s by status')).toMatch(/sum by \(rpc_status_code\).*rpc_status_code!="OK"/);
    expect(byPanel.get('Mesh requests/s by gRPC status (server sidecar)')).toMatch(/grpc_response_status/);
  });
});
