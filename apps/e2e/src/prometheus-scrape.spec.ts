import { dashboardQueries, substituteVariables } from './support/dashboard.js';
import {
  BundleProcess,
  CLIENT_BUNDLE,
  killAll,
  metricsUrl,
  Prometheus,
  type ScrapeTarget,
  SERVER_GO_BINARY,
  startServer,
  staticScrapeConfigs,
  type VectorSample,
} from '@protomesh/testing';

const SAY_HELLO = 'rpc_method="greeter.v1.GreeterService/SayHello"';
const WINDOW = '5s';

function single(result: VectorSample[]): number {
  expect(result).toHaveLength(1);
  return result[0].value;
}

const positive = (result: VectorSample[]) => result.length === 1 && result[0].value > 0;

/**
 * The server and client bundles, each with its metrics server on a free
 * port, scraped every second by a real Prometheus: one pair healthy, one pair
 * with every call delayed 2 s by the server against a 500 ms client deadline,
 * and one healthy pair whose server is the Go one (scenario "go").
 */
describe('Prometheus scraping the running apps', () => {
  let prometheus: Prometheus | undefined;

  beforeAll(async () => {
    const normal = await startServer({ METRICS_PORT: '0' });
    const faulty = await startServer({ METRICS_PORT: '0', FAULT_DELAY: '2s', FAULT_DELAY_PERCENT: '100' });
    const go = await startServer({ METRICS_PORT: '0' }, SERVER_GO_BINARY);
    const clients = {
      normal: new BundleProcess(CLIENT_BUNDLE, { SERVER_URL: normal.url, INTERVAL: '200ms', METRICS_PORT: '0' }),
      go: new BundleProcess(CLIENT_BUNDLE, { SERVER_URL: go.url, INTERVAL: '200ms', METRICS_PORT: '0' }),
      fault: new BundleProcess(CLIENT_BUNDLE, {
        SERVER_URL: faulty.url,
        INTERVAL: '200ms',
        TIMEOUT: '500ms',
        METRICS_PORT: '0',
      }),
    };
    const target = async (process: BundleProcess, scenario: string): Promise<ScrapeTarget> => ({
      address: (await metricsUrl(process)).host,
      labels: { scenario },
    });
    prometheus = await Prometheus.start(
      staticScrapeConfigs({
        'greeter-server': [
          await target(normal.process, 'normal'),
          await target(faulty.process, 'fault'),
          await target(go.process, 'go'),
        ],
        'greeter-client': [
          await target(clients.normal, 'normal'),
          await target(clients.fault, 'fault'),
          await target(clients.go, 'go'),
        ],
      }),
    );
  }, 30_000);

  afterAll(async () => {
    await prometheus?.stop();
    await killAll();
  });

  // "go": the same queries over the Go server's metrics (same names, labels and buckets).
  it.each(['normal', 'go'])(
    'finds the client’s SayHello call rate and latency quantiles, and the server’s (%s)',
    async (scenario) => {
      const p = prometheus!;
      const selector = `{scenario="${scenario}", ${SAY_HELLO}}`;
      const rate = single(
        await p.waitForQuery(
          `sum(rate(rpc_client_call_duration_seconds_count{scenario="${scenario}", ${SAY_HELLO}, rpc_status_code="OK"}[${WINDOW}]))`,
          positive,
          20_000,
        ),
      );
      // INTERVAL=200ms paces the client at about five calls a second.
      expect(rate).toBeGreaterThan(1);
      expect(rate).toBeLessThan(20);
      const quantile = async (q: number, side: string) =>
        single(
          await p.query(
            `histogram_quantile(${q}, sum by (le) (rate(rpc_${side}_call_duration_seconds_bucket${selector}[${WINDOW}])))`,
          ),
        );
      const [p50, p99] = [await quantile(0.5, 'client'), await quantile(0.99, 'client')];
      expect(p50).toBeGreaterThan(0);
      expect(p99).toBeGreaterThanOrEqual(p50);
      // Below the client's 5 s deadline, i.e. every call answered.
      expect(p99).toBeLessThan(5);
      // The server is a separate target: it needs two scrapes of its own before rate() sees it.
      await p.waitForQuery(
        `sum(rate(rpc_server_call_duration_seconds_count{scenario="${scenario}", ${SAY_HELLO}, rpc_status_code="OK"}[${WINDOW}]))`,
        positive,
        10_000,
      );
      const serverP99 = await quantile(0.99, 'server');
      expect(serverP99).toBeGreaterThan(0);
      expect(serverP99).toBeLessThan(5);
    },
    40_000,
  );

  it('shows DEADLINE_EXCEEDED at the client, and the server sees its calls cut off, when the delay outlasts the deadline', async () => {
    const p = prometheus!;
    const rate = (side: string, status: string) =>
      `sum(rate(rpc_${side}_call_duration_seconds_count{scenario="fault", ${SAY_HELLO}, rpc_status_code=~"${status}"}[${WINDOW}]))`;
    expect(single(await p.waitForQuery(rate('client', 'DEADLINE_EXCEEDED'), positive, 20_000))).toBeGreaterThan(0);
    // The server's own deadline or the client's reset, whichever comes first, ends each call.
    expect(
      single(await p.waitForQuery(rate('server', 'DEADLINE_EXCEEDED|CANCELLED'), positive, 10_000)),
    ).toBeGreaterThan(0);
    expect(
      await p.query(
        `rpc_server_call_duration_seconds_count{scenario="fault", rpc_status_code!~"DEADLINE_EXCEEDED|CANCELLED"}`,
      ),
    ).toEqual([]);
    expect(await p.query(`rpc_client_call_duration_seconds_count{scenario="fault", rpc_status_code="OK"}`)).toEqual([]);
    // Every call ends at the 500 ms deadline, a bucket boundary: the median lies in the buckets on either side.
    const p50 = single(
      await p.query(
        `histogram_quantile(0.5, sum by (le) (rate(rpc_client_call_duration_seconds_bucket{scenario="fault"}[${WINDOW}])))`,
      ),
    );
    expect(p50).toBeGreaterThan(0.25);
    expect(p50).toBeLessThanOrEqual(0.75);
  }, 40_000);

  it('runs every dashboard query, and the client error panel shows DEADLINE_EXCEEDED under the fault', async () => {
    const p = prometheus!;
    for (const { expr } of dashboardQueries()) {
      await expect(p.query(substituteVariables(expr, WINDOW))).resolves.toEqual(expect.any(Array));
    }
    const errorsPanel = dashboardQueries().find((q) => q.where === 'Client errors/s by status')!;
    const series = await p.waitForQuery(
      substituteVariables(errorsPanel.expr, WINDOW),
      (result) => result.some((s) => s.metric['rpc_status_code'] === 'DEADLINE_EXCEEDED' && s.value > 0),
      20_000,
    );
    expect(series.map((s) => s.metric['rpc_status_code'])).toEqual(['DEADLINE_EXCEEDED']);
  }, 40_000);
});
