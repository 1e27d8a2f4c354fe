import type { IPodMetricsEndpoint } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMetricsEndpoint';
import {
  type IPodMonitor,
  PodMonitor,
} from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor';
import type { IRelabelConfig } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/RelabelConfig';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IPod } from 'kubernetes-models/v1/Pod';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Manifest, renderChart } from './support/helm.ts';
import { PROMETHEUS_DURATION, podMonitorViolations } from './support/pod-monitor.ts';
import { Prometheus, unusedPort } from '@protomesh/testing';
import { must, named, ofKind, renderScenario, scenarioNames } from './support/scenarios.ts';

const matches = (selector: Record<string, string>, labels: Record<string, string> | undefined) =>
  Object.entries(selector).every(([key, value]) => labels?.[key] === value);

function endpointOf(docs: readonly Manifest[], name: string): IPodMetricsEndpoint {
  const endpoints = must(named<IPodMonitor>(docs, 'PodMonitor', name).spec.podMetricsEndpoints, 'endpoints');
  expect(endpoints).toHaveLength(1);
  return endpoints[0];
}

describe('the PodMonitors', () => {
  it('are off by default, and in every scenario but the one that turns them on', async () => {
    for (const scenario of scenarioNames.filter((name) => name !== 'monitoring')) {
      expect({ scenario, monitors: ofKind((await renderScenario(scenario)).docs, 'PodMonitor') }).toEqual({
        scenario,
        monitors: [],
      });
    }
  });

  it("select each entry's pods exactly (not the helm test pod), by a port name their container has", async () => {
    const { docs } = await renderScenario('monitoring');
    const deployments = ofKind<IDeployment>(docs, 'Deployment');
    const monitors = ofKind<IPodMonitor>(docs, 'PodMonitor');
    expect(monitors.map((m) => m.metadata?.name).sort()).toEqual(deployments.map((d) => d.metadata?.name).sort());
    const testPods = ofKind<IPod>(docs, 'Pod');
    expect(testPods).toHaveLength(1);

    for (const deployment of deployments) {
      const monitor = named<IPodMonitor>(docs, 'PodMonitor', String(deployment.metadata?.name));
      const selector = must(monitor.spec.selector.matchLabels, 'matchLabels');
      expect(selector).toEqual(deployment.spec?.selector.matchLabels);
      expect(monitor.spec.selector.matchExpressions).toBeUndefined();
      expect(matches(selector, deployment.spec?.template.metadata?.labels)).toBe(true);
      expect(deployments.filter((other) => matches(selector, other.spec?.template.metadata?.labels))).toEqual([
        deployment,
      ]);
      expect(matches(selector, testPods[0].metadata?.labels)).toBe(false);

      const endpoint = endpointOf(docs, String(monitor.metadata?.name));
      const ports = must(deployment.spec?.template.spec, 'pod spec').containers.flatMap((c) => c.ports ?? []);
      expect(ports.map((port) => port.name)).toContain(endpoint.port);
      expect(endpoint.path).toBe(deployment.spec?.template.metadata?.annotations?.['prometheus.io/path']);
      expect(monitor.metadata?.namespace).toBe(deployment.metadata?.namespace);
    }
  });

  it('carry metrics.podMonitor.labels (for the podMonitorSelector) and the interval; an empty interval is left out', async () => {
    const { docs } = await renderScenario('monitoring');
    expect(ofKind<IPodMonitor>(docs, 'PodMonitor').length).toBeGreaterThan(0);
    for (const monitor of ofKind<IPodMonitor>(docs, 'PodMonitor')) {
      expect(monitor.metadata?.labels).toMatchObject({
        release: 'kube-prometheus-stack',
        'app.kubernetes.io/name': 'protomesh',
      });
      expect(must(monitor.spec.podMetricsEndpoints, 'endpoints')[0].interval).toBe('15s');
    }
    const { docs: noInterval } = await renderChart({
      set: { 'metrics.podMonitor.enabled': true, 'metrics.podMonitor.interval': '' },
    });
    expect(endpointOf(noInterval, 'protomesh-server')).not.toHaveProperty('interval');
  });

  it("meet the CRD's constraints: the model's schema, and what the structural check adds to it", async () => {
    const monitors = ofKind<IPodMonitor>((await renderScenario('monitoring')).docs, 'PodMonitor');
    for (const monitor of monitors) {
      expect(() => new PodMonitor(monitor).validate()).not.toThrow();
    }
    expect(monitors.flatMap((monitor) => podMonitorViolations(monitor as unknown as Manifest))).toEqual([]);

    const broken = structuredClone(monitors[0]);
    broken.spec.selector = {};
    const endpoint = must(broken.spec.podMetricsEndpoints, 'endpoints')[0];
    delete endpoint.port;
    endpoint.interval = '1.5m';
    must(endpoint.relabelings, 'relabelings')[0].targetLabel = undefined;
    // The model rejects the duration (the CRD's pattern) and nothing else here...
    expect(() => new PodMonitor(broken).validate()).toThrow(
      /^data\/spec\/podMetricsEndpoints\/0\/interval must match pattern "[^"]+"$/,
    );
    // ...the structural check the rest, which the model lets through.
    expect(podMonitorViolations(broken as unknown as Manifest)).toEqual([
      'PodMonitor/protomesh-client: spec.selector must not be empty',
      'PodMonitor/protomesh-client: podMetricsEndpoints[0].port must name a container port',
      'PodMonitor/protomesh-client: podMetricsEndpoints[0].relabelings[0]: action replace needs targetLabel',
    ]);
  });

  it("take durations as PROMETHEUS_DURATION (values.schema.json's pattern) does: the model agrees on each", async () => {
    const [monitor] = ofKind<IPodMonitor>((await renderScenario('monitoring')).docs, 'PodMonitor');
    const durations = ['15s', '1m30s', '0', '2h', '1y2w3d4h5m6s7ms', '1.5m', '15', '-1s', '1m 30s', '30S', ''];
    const verdicts = durations.map((duration) => {
      const candidate = structuredClone(monitor);
      must(candidate.spec.podMetricsEndpoints, 'endpoints')[0].scrapeTimeout = duration;
      let model = true;
      try {
        new PodMonitor(candidate).validate();
      } catch {
        model = false;
      }
      return { duration, model, pattern: PROMETHEUS_DURATION.test(duration) };
    });
    expect(verdicts.filter(({ model, pattern }) => model !== pattern)).toEqual([]);
    expect(verdicts.filter(({ model }) => model).map(({ duration }) => duration)).toEqual([
      '15s',
      '1m30s',
      '0',
      '2h',
      '1y2w3d4h5m6s7ms',
      '',
    ]);
  });
});

/** What Kubernetes service discovery makes of a pod annotation (Prometheus's SanitizeLabelName). */
const annotationLabels = (annotations: Record<string, string>) =>
  Object.fromEntries(
    Object.entries(annotations).flatMap(([key, value]) => {
      const name = key.replace(/[^a-zA-Z0-9_]/g, '_');
      return [
        [`__meta_kubernetes_pod_annotation_${name}`, value],
        [`__meta_kubernetes_pod_annotationpresent_${name}`, 'true'],
      ];
    }),
  );

/** The Prometheus Operator's translation of a relabeling (camelCase CRD fields to relabel_config). */
const relabelConfig = (relabel: IRelabelConfig) => ({
  action: relabel.action,
  source_labels: relabel.sourceLabels,
  regex: relabel.regex,
  replacement: relabel.replacement,
  target_label: relabel.targetLabel,
});

/**
 * The PodMonitor's relabelings, run by a real Prometheus on targets shaped
 * like the pod targets Kubernetes discovery yields for the http-metrics port.
 * A local HTTP server stands in for what is scraped (the app, and Istio's
 * agent on its merged endpoint); Prometheus's own target list says where it
 * scraped and whether that worked.
 */
describe('a real Prometheus running the PodMonitor relabelings', () => {
  let prometheus: Prometheus | undefined;
  let endpoints: Server | undefined;

  afterAll(async () => {
    await prometheus?.stop();
    await new Promise((resolve) => (endpoints ? endpoints.close(resolve) : resolve(undefined)));
  });

  it('scrapes where the prometheus.io annotations point: the app port as rendered, the merged endpoint once Istio rewrites them', async () => {
    endpoints = createServer((req, res) => {
      const bodies: Record<string, string> = { '/metrics': 'app_up 1\n', '/stats/prometheus': 'merged_up 1\n' };
      const body = req.method === 'GET' ? bodies[req.url ?? ''] : undefined;
      res.writeHead(body ? 200 : 404, { 'content-type': 'text/plain; version=0.0.4' }).end(body ?? 'not found\n');
    });
    await new Promise<void>((resolve) => endpoints?.listen(0, '127.0.0.1', resolve));
    const { port } = endpoints.address() as AddressInfo;
    const unused = await unusedPort();

    // The chart rendered with its metrics on the stand-in's port.
    const { docs } = await renderChart({ set: { 'metrics.podMonitor.enabled': true, 'metrics.port': port } });
    const annotations = must(
      named<IDeployment>(docs, 'Deployment', 'protomesh-server').spec?.template.metadata?.annotations,
      'annotations',
    );
    const endpoint = endpointOf(docs, 'protomesh-server');
    // What the sidecar injector leaves on the pod (15020 there; here the stand-in).
    const rewritten = { ...annotations, 'prometheus.io/port': String(port), 'prometheus.io/path': '/stats/prometheus' };

    prometheus = await Prometheus.start([
      {
        job_name: 'podmonitor',
        scrape_interval: '1s',
        scrape_timeout: '1s',
        metrics_path: endpoint.path,
        static_configs: [
          { targets: [`127.0.0.1:${port}`], labels: { case: 'no sidecar', ...annotationLabels(annotations) } },
          // The app port itself refuses the scrape here, as STRICT mTLS would.
          { targets: [`127.0.0.1:${unused}`], labels: { case: 'sidecar', ...annotationLabels(rewritten) } },
          {
            targets: ['[::1]:9464'],
            labels: { case: 'ipv6 sidecar', ...annotationLabels({ ...rewritten, 'prometheus.io/port': '15020' }) },
          },
        ],
        relabel_configs: must(endpoint.relabelings, 'relabelings').map(relabelConfig),
      },
    ]);
    const byCase = (targets: Awaited<ReturnType<Prometheus['activeTargets']>>) =>
      Object.fromEntries(targets.map((target) => [target.labels['case'], target]));
    // Until both local targets have been scraped once.
    const targets = byCase(
      await prometheus.waitForTargets(
        (all) => all.filter((t) => t.labels['case'] !== 'ipv6 sidecar' && t.health !== 'unknown').length === 2,
        20_000,
      ),
    );

    expect(targets['no sidecar']).toMatchObject({ scrapeUrl: `http://127.0.0.1:${port}/metrics`, health: 'up' });
    expect(targets['sidecar']).toMatchObject({ scrapeUrl: `http://127.0.0.1:${port}/stats/prometheus`, health: 'up' });
    expect(targets['ipv6 sidecar'].scrapeUrl).toBe('http://[::1]:15020/stats/prometheus');
  }, 40_000);
});
