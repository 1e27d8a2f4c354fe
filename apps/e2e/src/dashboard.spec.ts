import {
  BundleProcess,
  CLIENT_BUNDLE,
  declaredMetrics,
  killAll,
  metricsUrl,
  SERVERS,
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

// The panels whose metrics come from the server pods (the Processes row reads every pod).
const SERVER_PANELS = /^(Server |CPU$|Resident memory$|Event loop lag)/;

describe.each(SERVERS)('the Grafana dashboard with the $name', ({ kind, program }) => {
  afterAll(killAll);

  it('queries only metrics our running apps export or Istio’s standard metrics', async () => {
    const server = await startServer({ METRICS_PORT: '0' }, program);
    const client = new BundleProcess(CLIENT_BUNDLE, { SERVER_URL: server.url, INTERVAL: '100ms', METRICS_PORT: '0' });
    const urls = [await metricsUrl(server.process), await metricsUrl(client)];
    await waitForCalls(client, 'OK', 1, 5_000);
    const [byServer, byClient] = await Promise.all(
      urls.map(async (url) => {
        const res = await fetch(url);
        expect(res.status).toBe(200);
        return declaredMetrics(await res.text());
      }),
    );
    const exported = new Set([...byServer, ...byClient]);

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

    // The server panels are fed by the server itself, whichever implementation
    // it is; only Node has an event loop, so that panel shows no Go pods.
    const fromServer = [...new Set(used.filter(({ where }) => SERVER_PANELS.test(where)).map(({ name }) => name))];
    expect(fromServer.length).toBeGreaterThanOrEqual(6);
    const lag = 'nodejs_eventloop_lag_p99_seconds';
    expect(fromServer).toContain(lag);
    expect(fromServer.filter((name) => !byServer.has(name))).toEqual(kind === 'go' ? [lag] : []);
  }, 15_000);
});

describe('the Grafana dashboard', () => {
  it('groups the status panels by status code name, and the mesh panels by grpc_response_status', () => {
    const byPanel = new Map(dashboardQueries(readDashboard()).map((q) => [q.where, q.expr]));
    expect(byPanel.get('Server calls/s by status')).toMatch(/sum by \(rpc_status_code\)/);
    expect(byPanel.get('Client errors/s by status')).toMatch(/sum by \(rpc_status_code\).*rpc_status_code!="OK"/);
    expect(byPanel.get('Mesh requests/s by gRPC status (server sidecar)')).toMatch(/grpc_response_status/);
  });
});
