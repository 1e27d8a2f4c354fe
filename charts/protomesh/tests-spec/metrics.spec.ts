import type { IAuthorizationPolicy } from '@kubernetes-models/istio/security.istio.io/v1/AuthorizationPolicy';
import { DEFAULT_METRICS_PORT, METRICS_PATH } from '@protomesh/telemetry';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPod } from 'kubernetes-models/v1/Pod';
import { type Manifest, renderChart } from './support/helm.ts';
import { must, named, ofKind, renderScenario, scenarioNames } from './support/scenarios.ts';

interface AppPod {
  readonly name: string;
  readonly annotations: Record<string, string>;
  readonly container: IContainer;
}

function appPods(docs: readonly Manifest[]): AppPod[] {
  return ofKind<IDeployment>(docs, 'Deployment').map((deployment) => {
    const template = must(deployment.spec?.template, 'pod template');
    const containers = must(template.spec, 'pod spec').containers;
    expect(containers).toHaveLength(1);
    return {
      name: String(deployment.metadata?.name),
      annotations: template.metadata?.annotations ?? {},
      container: containers[0],
    };
  });
}

const envValue = (container: IContainer, name: string) =>
  container.env?.find((variable) => variable.name === name)?.value;
const portNamed = (container: IContainer, name: string) =>
  container.ports?.find((port) => port.name === name)?.containerPort;

function metricsRules(docs: readonly Manifest[]) {
  const policy = named<IAuthorizationPolicy>(docs, 'AuthorizationPolicy', 'protomesh-server');
  return (policy.spec?.rules ?? []).filter((rule) => rule.to?.some((to) => to.operation?.ports));
}

describe('metrics on every app pod', () => {
  it("announce the apps' own metrics port and path (libs/telemetry) in prometheus.io annotations, never opting out of Istio's merging", async () => {
    const pods = appPods((await renderScenario('defaults')).docs);
    expect(pods.map((pod) => pod.name).sort()).toEqual(['protomesh-client', 'protomesh-server']);
    for (const pod of pods) {
      expect(pod.annotations).toMatchObject({
        'prometheus.io/scrape': 'true',
        'prometheus.io/port': String(DEFAULT_METRICS_PORT),
        'prometheus.io/path': METRICS_PATH,
      });
      // "false" would make Istio leave the annotations on the app port, where STRICT mTLS refuses Prometheus.
      expect(pod.annotations).not.toHaveProperty(['prometheus.istio.io/merge-metrics']);
    }
  });

  it('name the container port http-metrics, equal to METRICS_PORT and the annotation, apart from the gRPC port, in every scenario', async () => {
    const withMetrics = scenarioNames.filter((name) => name !== 'metrics disabled');
    for (const scenario of withMetrics) {
      for (const { name, annotations, container } of appPods((await renderScenario(scenario)).docs)) {
        const port = portNamed(container, 'http-metrics');
        expect({
          scenario,
          name,
          port,
          env: envValue(container, 'METRICS_PORT'),
          annotation: annotations['prometheus.io/port'],
        }).toEqual({
          scenario,
          name,
          port: DEFAULT_METRICS_PORT,
          env: String(DEFAULT_METRICS_PORT),
          annotation: String(DEFAULT_METRICS_PORT),
        });
        expect(portNamed(container, 'grpc')).not.toBe(port);
      }
    }
  });

  it('follow metrics.port everywhere: annotation, container port, env, the test pod, the policy rule; extra podAnnotations stay', async () => {
    const { docs } = await renderChart({
      set: { 'metrics.port': 9100 },
      setJson: { 'services.server.podAnnotations': { 'example.com/team': 'mesh' } },
    });
    for (const { annotations, container } of appPods(docs)) {
      expect(annotations['prometheus.io/port']).toBe('9100');
      expect(portNamed(container, 'http-metrics')).toBe(9100);
      expect(envValue(container, 'METRICS_PORT')).toBe('9100');
    }
    expect(appPods(docs).find((pod) => pod.name === 'protomesh-server')?.annotations['example.com/team']).toBe('mesh');
    const [testPod] = ofKind<IPod>(docs, 'Pod');
    expect(envValue(must(testPod.spec, 'test pod spec').containers[0], 'METRICS_PORT')).toBe('9100');
    expect(metricsRules(docs)).toEqual([
      { to: [{ operation: { ports: ['9100'], methods: ['GET'], paths: [METRICS_PATH] } }] },
    ]);
  });

  it('with metrics.enabled=false: no annotations, port, rule or monitor, and METRICS_PORT still pins the port the apps open anyway', async () => {
    const { docs } = await renderScenario('metrics disabled');
    expect(appPods(docs).length).toBeGreaterThan(0);
    for (const { annotations, container } of appPods(docs)) {
      expect(Object.keys(annotations).filter((key) => key.startsWith('prometheus.io/'))).toEqual([]);
      expect(portNamed(container, 'http-metrics')).toBeUndefined();
      expect(envValue(container, 'METRICS_PORT')).toBe(String(DEFAULT_METRICS_PORT));
    }
    expect(metricsRules(docs)).toEqual([]);
    expect(ofKind(docs, 'PodMonitor')).toEqual([]);
  });
});

/*
 * Where a scrape meets the server's ALLOW policy. Istio's metrics merging
 * rewrites the annotations to the agent's :15020, which the sidecar does not
 * capture (istio-iptables excludes 15090, 15021 and 15020 from inbound
 * redirection), and the agent reads the app over loopback: the policy never
 * sees that scrape. A scrape of the http-metrics port itself (merging off, or
 * a Prometheus holding Istio certificates) goes through the inbound listener,
 * where the callers' rule would deny it: wrong identity, GET instead of POST,
 * /metrics instead of a gRPC method.
 */
describe("the server's AuthorizationPolicy and a direct scrape", () => {
  it('admits GET /metrics on the http-metrics port from any peer, and nothing else on any port without a caller identity', async () => {
    const { docs } = await renderScenario('defaults');
    const server = appPods(docs).find((pod) => pod.name === 'protomesh-server');
    const rules = named<IAuthorizationPolicy>(docs, 'AuthorizationPolicy', 'protomesh-server').spec?.rules ?? [];
    expect(metricsRules(docs)).toEqual([
      {
        to: [
          {
            operation: {
              ports: [String(portNamed(must(server, 'server').container, 'http-metrics'))],
              methods: ['GET'],
              paths: [METRICS_PATH],
            },
          },
        ],
      },
    ]);
    // Every other rule names its callers and no port: the gRPC methods stay theirs alone.
    const others = rules.filter((rule) => !rule.to?.some((to) => to.operation?.ports));
    expect(others).toHaveLength(rules.length - 1);
    for (const rule of others) {
      expect(rule.from?.[0].source?.principals?.length).toBeGreaterThan(0);
    }
  });

  it('keeps the metrics rule when no caller is left (an ALLOW policy without rules would deny the scrape too)', async () => {
    const { docs } = await renderChart({ setJson: { 'services.server.authorization.callers': [] } });
    const rules = named<IAuthorizationPolicy>(docs, 'AuthorizationPolicy', 'protomesh-server').spec?.rules;
    expect(rules).toEqual(metricsRules(docs));
    expect(rules).toHaveLength(1);
  });
});
