import { parseDuration } from '@protomesh/runtime';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IPod } from 'kubernetes-models/v1/Pod';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import type { IService } from 'kubernetes-models/v1/Service';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { chartDir, type Manifest, renderChart } from './support/helm.ts';
import { type PodSpecLike, restrictedViolations } from './support/pod-security.ts';
import { must, named, ofKind, renderAll, renderScenario, scenarioNames, selects } from './support/scenarios.ts';

const { appVersion } = parse(readFileSync(join(chartDir, 'Chart.yaml'), 'utf8')) as { appVersion: string };

/** What a Deployment (and its budget) selects: its own entry's pods. */
const SELECTOR_KEYS = ['app.kubernetes.io/component', 'app.kubernetes.io/instance', 'app.kubernetes.io/name'];
/** What a server's Service and Istio policies select: every version of it, by the `app` label they share. */
const SERVICE_SELECTOR_KEYS = ['app', 'app.kubernetes.io/instance', 'app.kubernetes.io/name'];

/** The Go server is version v2 of the server: its pods carry the server's `app` label. */
const POD_IDENTITY: Record<string, { app: string; version: string }> = {
  'protomesh-server-go': { app: 'protomesh-server', version: 'v2' },
};

function podSpecs(docs: readonly Manifest[]): { name: string; spec: IPodSpec }[] {
  return [
    ...ofKind<IDeployment>(docs, 'Deployment').map((d) => ({ name: String(d.metadata?.name), spec: podSpecOf(d) })),
    ...ofKind<IPod>(docs, 'Pod').map((pod) => ({ name: String(pod.metadata?.name), spec: must(pod.spec, 'pod spec') })),
  ];
}

function podSpecOf(deployment: IDeployment): IPodSpec {
  return must(deployment.spec?.template.spec, `${deployment.metadata?.name} pod spec`);
}

function container(docs: readonly Manifest[], deployment: string): IContainer {
  const containers = podSpecOf(named<IDeployment>(docs, 'Deployment', deployment)).containers;
  expect(containers).toHaveLength(1);
  return containers[0];
}

function envOf(c: IContainer): Record<string, string | undefined> {
  return Object.fromEntries((c.env ?? []).map((variable) => [variable.name, variable.value]));
}

describe('pods', () => {
  it('meet Pod Security "restricted" with a read-only root, UID 65532 and resources, in every scenario', async () => {
    const violations = [...(await renderAll())].flatMap(([scenario, { docs }]) =>
      podSpecs(docs).flatMap(({ name, spec }) =>
        restrictedViolations(spec as PodSpecLike).map((violation) => `${scenario}: ${name}: ${violation}`),
      ),
    );
    expect(violations).toEqual([]);

    const { docs } = await renderScenario('defaults');
    for (const { spec } of podSpecs(docs)) {
      expect(spec.securityContext?.runAsUser).toBe(65532);
    }
    // The check itself: one capability kept, one privilege escalation allowed.
    const weakened = structuredClone(podSpecs(docs)[0].spec);
    weakened.containers[0].securityContext = {
      ...weakened.containers[0].securityContext,
      allowPrivilegeEscalation: true,
      capabilities: {},
    };
    expect(restrictedViolations(weakened as PodSpecLike)).toEqual([
      `container ${weakened.containers[0].name}: allowPrivilegeEscalation must be false`,
      `container ${weakened.containers[0].name}: capabilities.drop must include ALL`,
    ]);
  });

  it('select by name, instance and component (workloads) or the shared app label (Service, policies), never version, and carry app and version labels', async () => {
    for (const name of scenarioNames) {
      const { docs } = await renderScenario(name);
      const selectors = [
        ...ofKind<IDeployment>(docs, 'Deployment').map((d) => d.spec?.selector.matchLabels),
        ...ofKind<IPodDisruptionBudget>(docs, 'PodDisruptionBudget').map((p) => p.spec?.selector?.matchLabels),
      ];
      const serviceSelectors = [
        ...ofKind<IService>(docs, 'Service').map((s) => s.spec?.selector),
        ...docs
          .filter((doc) => doc.kind === 'PeerAuthentication' || doc.kind === 'AuthorizationPolicy')
          .map(
            (doc) =>
              (doc as unknown as { spec: { selector: { matchLabels: Record<string, string> } } }).spec.selector
                .matchLabels,
          ),
      ];
      expect(selectors.length).toBeGreaterThan(0);
      for (const selector of selectors) {
        expect(Object.keys(selector ?? {}).sort()).toEqual(SELECTOR_KEYS);
      }
      for (const selector of serviceSelectors) {
        expect(Object.keys(selector ?? {}).sort()).toEqual(SERVICE_SELECTOR_KEYS);
      }
      for (const deployment of ofKind<IDeployment>(docs, 'Deployment')) {
        const deploymentName = String(deployment.metadata?.name);
        const labels = must(deployment.spec?.template.metadata?.labels, 'pod labels');
        expect(labels).toMatchObject(must(deployment.spec?.selector.matchLabels, 'selector'));
        const identity = POD_IDENTITY[deploymentName] ?? { app: deploymentName, version: 'v1' };
        expect(labels).toMatchObject({ ...identity, 'app.kubernetes.io/version': appVersion });
        if (labels['sidecar.istio.io/inject'] !== undefined) {
          // Istio reads these before app.kubernetes.io/name and /version, the chart's own on every pod.
          expect(labels).toMatchObject({
            'service.istio.io/canonical-name': identity.app,
            'service.istio.io/canonical-revision': identity.version,
          });
        }
        // No Deployment selects another's pods.
        for (const other of ofKind<IDeployment>(docs, 'Deployment').filter((d) => d !== deployment)) {
          expect(selects(other.spec?.selector.matchLabels, labels)).toBe(false);
        }
      }
    }
  });
});

describe('the server', () => {
  it('is a Service whose port is named grpc with appProtocol grpc, on the container port', async () => {
    const { docs } = await renderScenario('defaults');
    const service = named<IService>(docs, 'Service', 'protomesh-server');
    expect(service.spec?.ports).toEqual([
      { name: 'grpc', appProtocol: 'grpc', port: 8080, targetPort: 'grpc', protocol: 'TCP' },
    ]);
    // Its pods, not the client's.
    const podLabels = (deployment: string) =>
      named<IDeployment>(docs, 'Deployment', deployment).spec?.template.metadata?.labels;
    expect(selects(service.spec?.selector, podLabels('protomesh-server'))).toBe(true);
    expect(selects(service.spec?.selector, podLabels('protomesh-client'))).toBe(false);
    // The metrics port stays off the Service (a PodMonitor scrapes pods; see podmonitor.yaml).
    expect(container(docs, 'protomesh-server').ports).toEqual([
      { name: 'grpc', containerPort: 8080, protocol: 'TCP' },
      { name: 'http-metrics', containerPort: 9464, protocol: 'TCP' },
    ]);
  });

  it('has distinct gRPC readiness and liveness probes; liveness outlasts a drain', async () => {
    const { docs } = await renderScenario('defaults');
    const server = container(docs, 'protomesh-server');
    const seconds = (name: string) => must(parseDuration(must(envOf(server)[name], name)), name) / 1000;
    const drainSeconds = seconds('DRAIN_DELAY') + seconds('DRAIN_TIMEOUT');
    expect(server.readinessProbe).toEqual({
      grpc: { port: 8080, service: '' },
      periodSeconds: 2,
      timeoutSeconds: 1,
      failureThreshold: 2,
    });
    expect(server.livenessProbe).toMatchObject({ grpc: { port: 8080, service: '' } });
    expect(server.livenessProbe).not.toEqual(server.readinessProbe);
    const { periodSeconds, failureThreshold } = must(server.livenessProbe, 'liveness probe');
    expect(must(periodSeconds, 'period') * must(failureThreshold, 'threshold')).toBeGreaterThan(drainSeconds);
  });

  it('gets a termination grace period longer than its DRAIN_DELAY and DRAIN_TIMEOUT together', async () => {
    for (const [delay, drain] of [
      ['5s', '10s'],
      ['0s', '45s'],
      ['2.5s', '1.5m'],
    ]) {
      const { docs } = await renderChart({
        set: { 'services.server.env.DRAIN_DELAY': delay, 'services.server.env.DRAIN_TIMEOUT': drain },
      });
      const pod = podSpecOf(named<IDeployment>(docs, 'Deployment', 'protomesh-server'));
      expect(envOf(container(docs, 'protomesh-server'))).toMatchObject({ DRAIN_DELAY: delay, DRAIN_TIMEOUT: drain });
      const seconds = Math.ceil((must(parseDuration(delay), delay) + must(parseDuration(drain), drain)) / 1000);
      expect(pod.terminationGracePeriodSeconds).toBe(seconds + 5);
      // A classic sidecar stays up as long as the server drains (Istio's own default is 5 s).
      const annotations = named<IDeployment>(docs, 'Deployment', 'protomesh-server').spec?.template.metadata
        ?.annotations;
      expect(JSON.parse(must(annotations?.['proxy.istio.io/config'], 'proxy config'))).toEqual({
        terminationDrainDuration: `${seconds}s`,
      });
    }
  });

  it('has a PodDisruptionBudget over its pods', async () => {
    const { docs } = await renderScenario('defaults');
    const budget = named<IPodDisruptionBudget>(docs, 'PodDisruptionBudget', 'protomesh-server');
    expect(budget.spec).toMatchObject({
      maxUnavailable: 1,
      selector: { matchLabels: named<IDeployment>(docs, 'Deployment', 'protomesh-server').spec?.selector.matchLabels },
    });
  });

  it('gets its name from the downward API and its app settings as env', async () => {
    const server = container((await renderScenario('defaults')).docs, 'protomesh-server');
    expect(server.env).toContainEqual({ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } });
    expect(envOf(server)).toMatchObject({
      PORT: '8080',
      SERVICE_VERSION: 'v1',
      LOG_LEVEL: 'info',
      DRAIN_DELAY: '5s',
      DRAIN_TIMEOUT: '10s',
      MAX_DEADLINE: '5m',
    });
  });
});

describe('scheduling', () => {
  it("spreads the server's replicas over nodes by default, counting only its own pods of the same rollout", async () => {
    const { docs } = await renderScenario('defaults');
    const server = podSpecOf(named<IDeployment>(docs, 'Deployment', 'protomesh-server'));
    expect(server.topologySpreadConstraints).toEqual([
      {
        maxSkew: 1,
        topologyKey: 'kubernetes.io/hostname',
        whenUnsatisfiable: 'ScheduleAnyway',
        labelSelector: {
          matchLabels: named<IDeployment>(docs, 'Deployment', 'protomesh-server').spec?.selector.matchLabels,
        },
        matchLabelKeys: ['pod-template-hash'],
      },
    ]);
    // One client replica: nothing to spread.
    expect(
      podSpecOf(named<IDeployment>(docs, 'Deployment', 'protomesh-client')).topologySpreadConstraints,
    ).toBeUndefined();
  });

  it('passes node selectors, tolerations, affinity, pull secrets and spread constraints of its own through as given', async () => {
    const toleration = { key: 'dedicated', operator: 'Equal', value: 'grpc', effect: 'NoSchedule' };
    const affinity = {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/arch', operator: 'In', values: ['amd64'] }] }],
        },
      },
    };
    const zoneSpread = {
      maxSkew: 1,
      topologyKey: 'topology.kubernetes.io/zone',
      whenUnsatisfiable: 'DoNotSchedule',
      labelSelector: { matchLabels: { team: 'greeters' } },
    };
    const { docs } = await renderChart({
      setJson: {
        imagePullSecrets: [{ name: 'regcred' }],
        'services.client.nodeSelector': { pool: 'edge' },
        'services.client.tolerations': [toleration],
        'services.client.affinity': affinity,
        'services.server.topologySpreadConstraints': [zoneSpread],
      },
    });
    const client = podSpecOf(named<IDeployment>(docs, 'Deployment', 'protomesh-client'));
    expect(client).toMatchObject({ nodeSelector: { pool: 'edge' }, tolerations: [toleration], affinity });
    const server = podSpecOf(named<IDeployment>(docs, 'Deployment', 'protomesh-server'));
    // A constraint with a labelSelector of its own is kept exactly.
    expect(server.topologySpreadConstraints).toEqual([zoneSpread]);
    for (const { spec } of podSpecs(docs)) {
      expect(spec.imagePullSecrets).toEqual([{ name: 'regcred' }]);
    }
  });
});

describe('the Go server, version v2 of the server', () => {
  it('is off by default', async () => {
    const { docs } = await renderScenario('defaults');
    expect(ofKind(docs, 'Deployment').map((d) => d.metadata.name)).toEqual(['protomesh-client', 'protomesh-server']);
  });

  it.each(['server-go at 0 %', 'split 50/50'] as const)(
    '%s: runs its own image as pods of the server labelled v2, reporting v2, behind the same Service',
    async (scenario) => {
      const { docs } = await renderScenario(scenario);
      const goServer = named<IDeployment>(docs, 'Deployment', 'protomesh-server-go');
      const go = container(docs, 'protomesh-server-go');
      expect(go.image).toBe(`protomesh/server-go:${appVersion}`);
      // x-server-version, hence the client's serverVersion, names the subset.
      expect(envOf(go)).toMatchObject({
        PORT: '8080',
        SERVICE_VERSION: 'v2',
        DRAIN_DELAY: '5s',
        DRAIN_TIMEOUT: '10s',
        MAX_DEADLINE: '5m',
      });
      expect(go.env).toContainEqual({ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } });
      expect(go.readinessProbe).toEqual(container(docs, 'protomesh-server').readinessProbe);
      expect(podSpecOf(goServer).terminationGracePeriodSeconds).toBe(20);

      // One Service for both versions: it selects the v1 and the v2 pods, and the client calls it.
      expect(ofKind(docs, 'Service').map((service) => service.metadata.name)).toEqual(['protomesh-server']);
      const selector = named<IService>(docs, 'Service', 'protomesh-server').spec?.selector;
      const podLabels = (name: string) => named<IDeployment>(docs, 'Deployment', name).spec?.template.metadata?.labels;
      expect(podLabels('protomesh-server-go')).toMatchObject({ app: 'protomesh-server', version: 'v2' });
      expect(podLabels('protomesh-server')).toMatchObject({ app: 'protomesh-server', version: 'v1' });
      for (const version of ['protomesh-server', 'protomesh-server-go']) {
        expect(selects(selector, podLabels(version))).toBe(true);
      }
      expect(envOf(container(docs, 'protomesh-client'))['SERVER_URL']).toBe('http://protomesh-server:8080');

      // Its own budget, over its own pods only.
      const budget = named<IPodDisruptionBudget>(docs, 'PodDisruptionBudget', 'protomesh-server-go');
      expect(budget.spec?.selector?.matchLabels).toEqual(goServer.spec?.selector.matchLabels);
      expect(selects(budget.spec?.selector?.matchLabels, podLabels('protomesh-server'))).toBe(false);
    },
  );

  it('gets the app-mode fault aimed at the server, as v1 does', async () => {
    const { docs } = await renderChart({
      set: { 'services.server-go.enabled': true, 'fault.enabled': true, 'fault.provider': 'app' },
    });
    for (const deployment of ['protomesh-server', 'protomesh-server-go']) {
      expect(envOf(container(docs, deployment))).toMatchObject({ FAULT_DELAY: '10s', FAULT_DELAY_PERCENT: '100' });
    }
  });
});

describe('the client', () => {
  it('calls the server Service on its port, with INTERVAL and TIMEOUT from values', async () => {
    const { docs } = await renderChart({
      set: { 'services.client.env.INTERVAL': '750ms', 'services.client.env.TIMEOUT': '3s' },
    });
    const service = named<IService>(docs, 'Service', 'protomesh-server');
    expect(envOf(container(docs, 'protomesh-client'))).toMatchObject({
      SERVER_URL: `http://${service.metadata?.name}:${service.spec?.ports?.[0].port}`,
      INTERVAL: '750ms',
      TIMEOUT: '3s',
      MAX_ATTEMPTS: '3',
    });
    expect(ofKind(docs, 'Service').map((s) => s.metadata.name)).toEqual(['protomesh-server']);
  });
});

describe('the app fault provider', () => {
  const faultEnv = (docs: readonly Manifest[]) =>
    Object.fromEntries(
      Object.entries(envOf(container(docs, 'protomesh-server'))).filter(([name]) => name.startsWith('FAULT_')),
    );

  it('gives the server both FAULT_* pairs when both faults are on, and nothing to the client', async () => {
    const { docs } = await renderScenario('fault provider app');
    expect(faultEnv(docs)).toEqual({
      FAULT_DELAY: '10s',
      FAULT_DELAY_PERCENT: '100',
      FAULT_ABORT_STATUS: 'INTERNAL',
      FAULT_ABORT_PERCENT: '100',
    });
    expect(Object.keys(envOf(container(docs, 'protomesh-client'))).filter((name) => name.startsWith('FAULT_'))).toEqual(
      [],
    );
  });

  it('renders each pair only when that fault is on', async () => {
    const { docs } = await renderChart({
      set: {
        'fault.enabled': true,
        'fault.provider': 'app',
        'fault.delay.enabled': false,
        'fault.abort.enabled': true,
        'fault.abort.percentage': '2.5',
      },
    });
    expect(faultEnv(docs)).toEqual({ FAULT_ABORT_STATUS: 'UNAVAILABLE', FAULT_ABORT_PERCENT: '2.5' });
  });

  it('renders no FAULT_* while the fault is off or left to Istio', async () => {
    for (const name of ['defaults', 'fault delay', 'fault delay and abort'] as const) {
      expect(faultEnv((await renderScenario(name)).docs)).toEqual({});
    }
  });
});

describe('a further service', () => {
  it('is one more values entry: the same templates give it its Deployment, Service, routing and policy', async () => {
    const { docs } = await renderChart({
      setJson: {
        'services.echo': {
          enabled: true,
          image: { repository: 'example/echo', tag: '1.2.3', pullPolicy: 'IfNotPresent' },
          replicas: 1,
          version: 'v2',
          port: 9090,
          env: { LOG_LEVEL: 'debug' },
          terminationGraceMarginSeconds: 3,
          probes: {
            readiness: { periodSeconds: 2, timeoutSeconds: 1, failureThreshold: 2 },
            liveness: { periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3 },
          },
          podDisruptionBudget: { enabled: true, maxUnavailable: 1 },
          authorization: { callers: ['client'], paths: ['/echo.v1.EchoService/Echo'] },
          serviceAccount: { create: true, name: '' },
          resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { cpu: '100m', memory: '64Mi' } },
        },
      },
    });
    const echo = docs
      .filter((doc) => doc.metadata.name === 'protomesh-echo')
      .map((doc) => doc.kind)
      .sort();
    expect(echo).toEqual([
      'AuthorizationPolicy',
      'Deployment',
      'DestinationRule',
      'PeerAuthentication',
      'PodDisruptionBudget',
      'Service',
      'ServiceAccount',
      'VirtualService',
    ]);
    expect(container(docs, 'protomesh-echo').image).toBe('example/echo:1.2.3');
    // The default 5s delay and 10s drain, plus the entry's margin.
    expect(podSpecOf(named<IDeployment>(docs, 'Deployment', 'protomesh-echo')).terminationGracePeriodSeconds).toBe(18);
  });
});
