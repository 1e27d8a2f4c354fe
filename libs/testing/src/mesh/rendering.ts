import { parseDuration } from '@protomesh/runtime';
import { parseAllDocuments, stringify } from 'yaml';

/** A rendered Kubernetes or Istio object, as parsed from `helm template`. */
export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: ObjectMeta;
  readonly [key: string]: unknown;
}

export interface ObjectMeta {
  readonly name: string;
  readonly namespace?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly [key: string]: unknown;
}

type Labels = Readonly<Record<string, string>>;

interface ServicePort {
  readonly name?: string;
  readonly port: number;
  readonly targetPort?: number | string;
  readonly appProtocol?: string;
}

interface ServiceObject extends KubeObject {
  readonly spec: { readonly selector?: Labels; readonly ports: readonly ServicePort[] };
}

interface Container {
  readonly name: string;
  readonly env?: readonly { readonly name: string; readonly value?: string }[];
  readonly ports?: readonly { readonly name?: string; readonly containerPort: number }[];
  readonly [key: string]: unknown;
}

interface PodSpec {
  readonly serviceAccountName?: string;
  readonly containers: readonly Container[];
  readonly [key: string]: unknown;
}

interface DeploymentObject extends KubeObject {
  readonly spec: {
    readonly replicas?: number;
    readonly template: {
      readonly metadata: { readonly labels?: Labels; readonly annotations?: Labels };
      readonly spec: PodSpec;
    };
  };
}

/** The cluster DNS domain istiod runs with (`--domain`) and the chart's default clusterDomain. */
export const CLUSTER_DOMAIN = 'cluster.local';

export function parseRendering(text: string): KubeObject[] {
  return parseAllDocuments(text).flatMap((doc) => {
    if (doc.errors.length > 0) {
      throw new Error(`rendered YAML does not parse: ${doc.errors.map((e) => e.message).join('; ')}`);
    }
    const value = doc.toJS() as KubeObject | null;
    return value ? [value] : [];
  });
}

export function toYaml(objects: readonly KubeObject[]): string {
  return objects.map((object) => stringify(object)).join('---\n');
}

/** VirtualService, DestinationRule, PeerAuthentication, AuthorizationPolicy and any other Istio kind. */
export function isIstioObject(object: KubeObject): boolean {
  return /\.istio\.io\//.test(object.apiVersion);
}

/** One Deployment behind one Service of a rendering: what a server instance stands in for. */
export interface Backend {
  readonly deployment: string;
  readonly namespace: string;
  /** The Service port's name, which the WorkloadEntry's port map is keyed by. */
  readonly portName: string;
  readonly podLabels: Labels;
  /** The pods' `version` label: the DestinationRule subset they belong to. */
  readonly version: string;
  readonly serviceAccount?: string;
  /** The server container's literal environment (values, not valueFrom). */
  readonly env: Readonly<Record<string, string>>;
}

/** Every Deployment whose pods a rendered Service selects, once per Service (its first port). */
export function backends(docs: readonly KubeObject[]): Backend[] {
  return ofKind<ServiceObject>(docs, 'Service').flatMap((service) => {
    const port = service.spec.ports[0];
    return deploymentsBehind(docs, service).map((deployment): Backend => {
      const podLabels = podLabelsOf(deployment);
      const container = serverContainer(deployment, port);
      return {
        deployment: deployment.metadata.name,
        namespace: namespaceOf(service),
        portName: port.name ?? 'grpc',
        podLabels,
        version: podLabels['version'] ?? 'v1',
        serviceAccount: deployment.spec.template.spec.serviceAccountName,
        env: Object.fromEntries(
          (container.env ?? []).flatMap((e) => (e.value === undefined ? [] : [[e.name, e.value]])),
        ),
      };
    });
  });
}

/** A server instance: a backend's pod, possibly relabelled with another version. */
export interface Instance {
  readonly backend: Backend;
  /** Its POD_NAME, hence every answer's x-server-instance. */
  readonly name: string;
  readonly version: string;
  /** Environment on top of the Deployment's (e.g. FAULT_DELAY for a slow server). */
  readonly env?: Readonly<Record<string, string>>;
}

/** One instance per Deployment behind each Service, with the Deployment's own version. */
export function defaultInstances(docs: readonly KubeObject[]): Instance[] {
  return backends(docs).map((backend) => instanceOf(backend));
}

export function instanceOf(backend: Backend, version = backend.version, env: Record<string, string> = {}): Instance {
  return { backend, name: `${backend.deployment}-${version}-0`, version, env };
}

/** Where an instance listens: a loopback address of its own and the port it bound. */
export interface Placed {
  readonly instance: Instance;
  readonly address: string;
  readonly port: number;
}

/**
 * istiod's --configDir content for a rendering: the rendered Istio objects as
 * they are, a ServiceEntry per rendered Service (its FQDN, ports and selector)
 * and a WorkloadEntry per running instance (the Deployment's pod labels and
 * service account, its own version) — the registry content Kubernetes would
 * provide from the Service and the pods.
 */
export function meshConfigObjects(
  docs: readonly KubeObject[],
  placed: readonly Placed[],
  domain = CLUSTER_DOMAIN,
): KubeObject[] {
  const serviceEntries = ofKind<ServiceObject>(docs, 'Service').map((service): KubeObject => {
    const namespace = namespaceOf(service);
    const [deployment] = deploymentsBehind(docs, service);
    return {
      apiVersion: 'networking.istio.io/v1',
      kind: 'ServiceEntry',
      metadata: { name: service.metadata.name, namespace, labels: service.metadata.labels },
      spec: {
        hosts: [`${service.metadata.name}.${namespace}.svc.${domain}`],
        location: 'MESH_INTERNAL',
        resolution: 'STATIC',
        ports: service.spec.ports.map((port) => ({
          number: port.port,
          name: port.name,
          protocol: protocolOf(port),
          targetPort: targetPortOf(port, deployment),
        })),
        workloadSelector: { labels: service.spec.selector },
      },
    };
  });
  const workloadEntries = placed.map(({ instance, address, port }): KubeObject => {
    const { backend } = instance;
    return {
      apiVersion: 'networking.istio.io/v1',
      kind: 'WorkloadEntry',
      metadata: { name: instance.name, namespace: backend.namespace },
      spec: {
        address,
        // The instance binds a free port; the map overrides the Service's targetPort.
        ports: { [backend.portName]: port },
        labels: { ...backend.podLabels, version: instance.version },
        ...(backend.serviceAccount && { serviceAccount: backend.serviceAccount }),
      },
    };
  });
  return [...docs.filter(isIstioObject), ...serviceEntries, ...workloadEntries];
}

/**
 * What a cluster would hold after installing the rendering, for `istioctl
 * analyze` against the stub API: the rendering's Namespace(s), its Services
 * and ServiceAccounts as rendered, and the pods of every Deployment
 * (replicas of them) as the sidecar injector would leave them.
 */
export function runtimeObjects(docs: readonly KubeObject[]): KubeObject[] {
  const namespaces = [...new Set(docs.map(namespaceOf))].map(
    (name): KubeObject => ({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name, labels: { 'kubernetes.io/metadata.name': name } },
      status: { phase: 'Active' },
    }),
  );
  let ip = 10;
  const pods = ofKind<DeploymentObject>(docs, 'Deployment').flatMap((deployment) =>
    Array.from({ length: deployment.spec.replicas ?? 1 }, (_, index): KubeObject => {
      const template = deployment.spec.template;
      const containers = [
        ...template.spec.containers,
        { name: 'istio-proxy', image: 'istio/proxyv2', args: ['proxy', 'sidecar'] },
      ];
      const podIP = `10.0.0.${ip++}`;
      return {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          name: `${deployment.metadata.name}-5d8f7c9b4-${index}`,
          namespace: namespaceOf(deployment),
          labels: { ...template.metadata.labels, 'security.istio.io/tlsMode': 'istio' },
          annotations: {
            ...template.metadata.annotations,
            'sidecar.istio.io/status': '{"containers":["istio-proxy"]}',
          },
          ownerReferences: [
            {
              apiVersion: 'apps/v1',
              kind: 'ReplicaSet',
              name: `${deployment.metadata.name}-5d8f7c9b4`,
              uid: 'rs',
              controller: true,
            },
          ],
        },
        spec: { ...template.spec, containers },
        status: {
          phase: 'Running',
          podIP,
          podIPs: [{ ip: podIP }],
          conditions: [{ type: 'Ready', status: 'True' }],
          containerStatuses: containers.map((c) => ({
            name: c.name,
            ready: true,
            restartCount: 0,
            started: true,
            image: '',
            imageID: '',
          })),
        },
      };
    }),
  );
  return [...namespaces, ...docs.filter((d) => d.kind === 'Service' || d.kind === 'ServiceAccount'), ...pods];
}

/** The rendered caller (the Deployment whose SERVER_URL names a rendered Service), as a proxyless client runs it. */
export interface Caller {
  readonly workload: string;
  readonly namespace: string;
  readonly labels: Labels;
  readonly serviceAccount?: string;
  /** `xds:///<Service FQDN>:<port>`. */
  readonly target: string;
  /** Its TIMEOUT: each call's deadline. */
  readonly timeoutMs: number;
  /** Its INTERVAL: from the start of one call to the start of the next. */
  readonly intervalMs: number;
}

export function callerOf(docs: readonly KubeObject[], domain = CLUSTER_DOMAIN): Caller {
  for (const deployment of ofKind<DeploymentObject>(docs, 'Deployment')) {
    const env = Object.fromEntries(
      deployment.spec.template.spec.containers.flatMap((c) => c.env ?? []).map((e) => [e.name, e.value ?? '']),
    );
    if (!env['SERVER_URL']) {
      continue;
    }
    const url = new URL(env['SERVER_URL']);
    const namespace = namespaceOf(deployment);
    const service = url.hostname.split('.')[0];
    return {
      workload: deployment.metadata.name,
      namespace,
      labels: podLabelsOf(deployment),
      serviceAccount: deployment.spec.template.spec.serviceAccountName,
      target: `xds:///${service}.${namespace}.svc.${domain}:${url.port || '80'}`,
      timeoutMs: parseDuration(env['TIMEOUT'] ?? '') ?? 5_000,
      intervalMs: parseDuration(env['INTERVAL'] ?? '') ?? 2_000,
    };
  }
  throw new Error('the rendering has no caller: no Deployment sets SERVER_URL');
}

function ofKind<T extends KubeObject>(docs: readonly KubeObject[], kind: string): T[] {
  return docs.filter((doc) => doc.kind === kind) as T[];
}

function namespaceOf(object: KubeObject): string {
  return object.metadata.namespace ?? 'default';
}

function podLabelsOf(deployment: DeploymentObject): Labels {
  return deployment.spec.template.metadata.labels ?? {};
}

function deploymentsBehind(docs: readonly KubeObject[], service: ServiceObject): DeploymentObject[] {
  return ofKind<DeploymentObject>(docs, 'Deployment').filter(
    (d) => namespaceOf(d) === namespaceOf(service) && selects(service.spec.selector, podLabelsOf(d)),
  );
}

function selects(selector: Labels | undefined, labels: Labels): boolean {
  return Object.entries(selector ?? {}).every(([key, value]) => labels[key] === value);
}

/** The container serving the Service's port: the one declaring the named targetPort, else the first. */
function serverContainer(deployment: DeploymentObject, port: ServicePort): Container {
  const containers = deployment.spec.template.spec.containers;
  return containers.find((c) => c.ports?.some((p) => p.name === port.targetPort)) ?? containers[0];
}

function targetPortOf(port: ServicePort, deployment: DeploymentObject | undefined): number {
  const target = port.targetPort ?? port.port;
  if (typeof target === 'number') {
    return target;
  }
  const named = deployment?.spec.template.spec.containers.flatMap((c) => c.ports ?? []).find((p) => p.name === target);
  return named?.containerPort ?? port.port;
}

/** Istio's protocol selection: appProtocol, else the port name's prefix. */
function protocolOf(port: ServicePort): string {
  const known: Record<string, string> = {
    grpc: 'GRPC',
    http2: 'HTTP2',
    http: 'HTTP',
    https: 'HTTPS',
    tls: 'TLS',
    tcp: 'TCP',
  };
  return known[(port.appProtocol ?? '').toLowerCase()] ?? known[(port.name ?? '').split('-')[0].toLowerCase()] ?? 'TCP';
}
