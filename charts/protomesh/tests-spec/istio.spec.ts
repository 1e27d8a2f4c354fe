import type { IAuthorizationPolicy } from '@kubernetes-models/istio/security.istio.io/v1/AuthorizationPolicy';
import type { IPeerAuthentication } from '@kubernetes-models/istio/security.istio.io/v1/PeerAuthentication';
import type { IDestinationRule } from '@kubernetes-models/istio/networking.istio.io/v1/DestinationRule';
import type { IVirtualService } from '@kubernetes-models/istio/networking.istio.io/v1/VirtualService';
import { GreeterService } from '@protomesh/proto/greeter/v1';
import { Health } from '@protomesh/proto/grpc/health/v1';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IPod } from 'kubernetes-models/v1/Pod';
import type { IService } from 'kubernetes-models/v1/Service';
import { renderChart, release } from './support/helm.ts';
import { must, named, ofKind, renderScenario, type ScenarioName, selects } from './support/scenarios.ts';

const host = `protomesh-server.${release.namespace}.svc.cluster.local`;

async function serverRoute(scenario: ScenarioName) {
  const { docs } = await renderScenario(scenario);
  const vs = named<IVirtualService>(docs, 'VirtualService', 'protomesh-server');
  const http = must(vs.spec?.http, 'VirtualService http');
  expect(http).toHaveLength(1);
  return http[0];
}

describe('Istio routing', () => {
  it("routes the server host to the subset named by the pods' version label, on the grpc port", async () => {
    const { docs } = await renderScenario('defaults');
    const route = await serverRoute('defaults');
    const rule = named<IDestinationRule>(docs, 'DestinationRule', 'protomesh-server');
    const server = named<IDeployment>(docs, 'Deployment', 'protomesh-server');
    const service = named<IService>(docs, 'Service', 'protomesh-server');

    expect(named<IVirtualService>(docs, 'VirtualService', 'protomesh-server').spec?.hosts).toEqual([host]);
    expect(host.startsWith(`${service.metadata?.name}.`)).toBe(true);
    expect(route.route).toEqual([{ destination: { host, subset: 'v1', port: { number: 8080 } } }]);
    expect(rule.spec).toEqual({ host, subsets: [{ name: 'v1', labels: { version: 'v1' } }] });
    expect(server.spec?.template.metadata?.labels).toMatchObject({ version: 'v1', app: 'protomesh-server' });
    expect(route).not.toHaveProperty('fault');
    expect(route).not.toHaveProperty('timeout');
    expect(route).not.toHaveProperty('retries');
  });

  it.each<[ScenarioName, number, number]>([
    ['server-go at 0 %', 100, 0],
    ['split 50/50', 50, 50],
  ])('%s: splits the calls by weight across subsets v1 and v2 of the same host', async (scenario, v1, v2) => {
    const { docs } = await renderScenario(scenario);
    const route = await serverRoute(scenario);
    const port = { number: 8080 };
    expect(route.route).toEqual([
      { destination: { host, subset: 'v1', port }, weight: v1 },
      { destination: { host, subset: 'v2', port }, weight: v2 },
    ]);
    expect(named<IDestinationRule>(docs, 'DestinationRule', 'protomesh-server').spec).toEqual({
      host,
      subsets: [
        { name: 'v1', labels: { version: 'v1' } },
        { name: 'v2', labels: { version: 'v2' } },
      ],
    });
    // Each subset's labels pick exactly one Deployment's pods among the Service's.
    const service = named<IService>(docs, 'Service', 'protomesh-server');
    const podsOf = (subset: Record<string, string>) =>
      ofKind<IDeployment>(docs, 'Deployment')
        .filter((d) => {
          const labels = d.spec?.template.metadata?.labels;
          return selects(service.spec?.selector, labels) && selects(subset, labels);
        })
        .map((d) => d.metadata?.name);
    expect(podsOf({ version: 'v1' })).toEqual(['protomesh-server']);
    expect(podsOf({ version: 'v2' })).toEqual(['protomesh-server-go']);
  });

  it('shifts every call to v2 with --set, and keeps the fault on the one route', async () => {
    const { docs } = await renderChart({
      set: {
        'services.server-go.enabled': true,
        'services.server.route.weights.v1': 0,
        'services.server.route.weights.v2': 100,
        'fault.enabled': true,
      },
    });
    const http = must(named<IVirtualService>(docs, 'VirtualService', 'protomesh-server').spec?.http, 'http');
    expect(http).toHaveLength(1);
    expect(http[0].route?.map((destination) => [destination.destination.subset, destination.weight])).toEqual([
      ['v1', 0],
      ['v2', 100],
    ]);
    expect(http[0].fault).toEqual({ delay: { fixedDelay: '10s', percentage: { value: 100 } } });
  });

  it('renders the optional route timeout and gRPC retries as set', async () => {
    const route = await serverRoute('route timeout and retries');
    expect(route.timeout).toBe('3s');
    expect(route.retries).toEqual({ attempts: 2, perTryTimeout: '500ms', retryOn: 'unavailable,cancelled' });
  });
});

describe('Istio fault injection on the server route', () => {
  it.each<[ScenarioName, unknown]>([
    ['fault delay', { delay: { fixedDelay: '10s', percentage: { value: 100 } } }],
    ['fault abort only', { abort: { grpcStatus: 'UNAVAILABLE', percentage: { value: 100 } } }],
    [
      'fault delay and abort',
      {
        delay: { fixedDelay: '2s', percentage: { value: 12.5 } },
        abort: { grpcStatus: 'RESOURCE_EXHAUSTED', percentage: { value: 40 } },
      },
    ],
  ])('%s: renders exactly the fault that was set', async (scenario, fault) => {
    expect((await serverRoute(scenario)).fault).toEqual(fault);
  });

  it.each<ScenarioName>(['defaults', 'fault provider app', 'route timeout and retries'])(
    '%s: renders no Istio fault',
    async (scenario) => {
      expect(await serverRoute(scenario)).not.toHaveProperty('fault');
    },
  );
});

describe('Istio security', () => {
  it("demands mTLS (STRICT) from the server's peers, selected like its Service", async () => {
    const { docs } = await renderScenario('defaults');
    const peer = named<IPeerAuthentication>(docs, 'PeerAuthentication', 'protomesh-server');
    const service = named<IService>(docs, 'Service', 'protomesh-server');
    expect(peer.spec).toEqual({
      selector: { matchLabels: service.spec?.selector },
      mtls: { mode: 'STRICT' },
    });
  });

  it('applies one PeerAuthentication and one AuthorizationPolicy to every version of the server', async () => {
    const { docs } = await renderScenario('split 50/50');
    const labelsOf = (name: string) => named<IDeployment>(docs, 'Deployment', name).spec?.template.metadata?.labels;
    for (const kind of ['PeerAuthentication', 'AuthorizationPolicy']) {
      const policies = ofKind<IPeerAuthentication | IAuthorizationPolicy>(docs, kind);
      expect(policies.map((policy) => policy.metadata?.name)).toEqual(['protomesh-server']);
      const selector = policies[0].spec?.selector?.matchLabels;
      expect(
        [labelsOf('protomesh-server'), labelsOf('protomesh-server-go'), labelsOf('protomesh-client')].map((l) =>
          selects(selector, l),
        ),
      ).toEqual([true, true, false]);
    }
  });

  it("lets only the client's service account call the greeter and health methods of the generated descriptors, and others only read /metrics", async () => {
    const { docs } = await renderScenario('defaults');
    const policy = named<IAuthorizationPolicy>(docs, 'AuthorizationPolicy', 'protomesh-server');
    const service = named<IService>(docs, 'Service', 'protomesh-server');
    const client = named<IDeployment>(docs, 'Deployment', 'protomesh-client');
    const serviceAccounts = ofKind(docs, 'ServiceAccount').map((account) => account.metadata.name);
    const clientAccount = client.spec?.template.spec?.serviceAccountName;

    const descriptorPaths = [
      ...GreeterService.methods.map((method) => `/${GreeterService.typeName}/${method.name}`),
      ...[Health.method.check, Health.method.watch].map((method) => `/${Health.typeName}/${method.name}`),
    ];

    expect(serviceAccounts).toContain(clientAccount);
    expect(policy.spec?.selector?.matchLabels).toEqual(service.spec?.selector);
    expect(policy.spec?.action).toBe('ALLOW');
    expect(policy.spec?.rules).toEqual([
      {
        from: [{ source: { principals: [`cluster.local/ns/${release.namespace}/sa/${clientAccount}`] } }],
        to: [{ operation: { methods: ['POST'], paths: expect.any(Array) } }],
      },
      // Direct scrapes of the metrics port (metrics.spec.ts has the why).
      { to: [{ operation: { ports: ['9464'], methods: ['GET'], paths: ['/metrics'] } }] },
    ]);
    const paths = must(policy.spec?.rules?.[0].to?.[0].operation?.paths, 'policy paths');
    expect([...paths].sort()).toEqual([...descriptorPaths].sort());
    expect(descriptorPaths).toContain('/greeter.v1.GreeterService/SayHello');
  });
});

describe('Istio pod settings', () => {
  it('labels every pod for injection, holds the client until its proxy is ready, runs the test proxy natively', async () => {
    const { docs } = await renderScenario('defaults');
    for (const deployment of ofKind<IDeployment>(docs, 'Deployment')) {
      expect(deployment.spec?.template.metadata?.labels?.['sidecar.istio.io/inject']).toBe('true');
    }
    const annotationsOf = (name: string) =>
      named<IDeployment>(docs, 'Deployment', name).spec?.template.metadata?.annotations ?? {};
    expect(JSON.parse(annotationsOf('protomesh-client')['proxy.istio.io/config'])).toEqual({
      holdApplicationUntilProxyStarts: true,
    });
    // The server starts serving without waiting; its proxy drains as long as it does.
    expect(JSON.parse(annotationsOf('protomesh-server')['proxy.istio.io/config'])).toEqual({
      terminationDrainDuration: '15s',
    });

    const [testPod] = ofKind<IPod>(docs, 'Pod');
    expect(testPod.metadata?.labels?.['sidecar.istio.io/inject']).toBe('true');
    expect(testPod.metadata?.annotations?.['sidecar.istio.io/nativeSidecar']).toBe('true');
  });

  it('renders nothing of Istio when istio.enabled is false', async () => {
    const { docs } = await renderScenario('istio disabled');
    expect(docs.filter((doc) => doc.apiVersion.includes('istio.io'))).toEqual([]);
    const istioKeys = (record: Record<string, string> | undefined) =>
      Object.keys(record ?? {}).filter((key) => key.includes('istio.io'));
    const pods = [
      ...ofKind<IDeployment>(docs, 'Deployment').map((deployment) => deployment.spec?.template.metadata),
      ...ofKind<IPod>(docs, 'Pod').map((pod) => pod.metadata),
    ];
    expect(pods).toHaveLength(3);
    for (const meta of pods) {
      expect([...istioKeys(meta?.labels), ...istioKeys(meta?.annotations)]).toEqual([]);
    }
  });
});
