import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KubeObject } from './rendering.js';

/**
 * A stand-in for the Kubernetes API server, on 127.0.0.1 over plain HTTP. It
 * is not a cluster and not a fake of Istio: it only answers the reads a
 * client-go informer makes, with exactly the objects it was given (none by
 * default), and refuses every write with 403.
 *
 * Why it exists: istiod (pilot-discovery) cannot start without a Kubernetes
 * client. With `--registries=` it panics at start-up (a nil multicluster
 * controller dereferenced in serviceentry.newController), and the client
 * cannot be injected from outside. Given this empty API instead, istiod runs
 * unpatched and stays the real control plane: every Istio object comes from
 * its --configDir, the Kubernetes registry is simply empty, and since writes
 * fail, leader election never wins and no leader-only controller writes.
 *
 * `istioctl analyze` reads runtime kinds (Namespace, Service, Pod) only from
 * a cluster; served the objects a rendering would create, every analyzer runs.
 */
export class StubKubeApi {
  private readonly store = new Map<string, KubeObject[]>();
  private readonly server = createServer((request, response) => this.handle(request, response));

  private constructor(objects: readonly KubeObject[]) {
    for (const object of objects) {
      const key = `${object.apiVersion}|${pluralOf(object.kind)}`;
      const served = {
        ...object,
        metadata: { ...object.metadata, resourceVersion: '100', uid: randomUUID(), creationTimestamp: STARTED },
      };
      this.store.set(key, [...(this.store.get(key) ?? []), served]);
    }
  }

  /** Listens on 127.0.0.1 at a free port, serving `objects` (none: the empty API istiod needs). */
  static async start(objects: readonly KubeObject[] = []): Promise<StubKubeApi> {
    const api = new StubKubeApi(objects);
    await new Promise<void>((resolve, reject) => {
      api.server.once('error', reject);
      api.server.listen(0, '127.0.0.1', resolve);
    });
    return api;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Writes a kubeconfig pointing at this API, for istiod and istioctl (which insists its namespace exists). */
  writeKubeconfig(path: string, namespace = 'default'): string {
    writeFileSync(
      path,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'stub', cluster: { server: this.url } }],
        users: [{ name: 'stub', user: {} }],
        contexts: [{ name: 'stub', context: { cluster: 'stub', user: 'stub', namespace } }],
        'current-context': 'stub',
      }),
    );
    return path;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    const url = new URL(request.url ?? '/', 'http://stub');
    const send = (code: number, body: unknown) => {
      response.writeHead(code, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    const fixed: Record<string, unknown> = {
      '/version': { major: '1', minor: '35', gitVersion: 'v1.35.0', platform: 'linux/amd64' },
      '/api': { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] },
      '/apis': { kind: 'APIGroupList', apiVersion: 'v1', groups: [] },
    };
    if (url.pathname in fixed) {
      return send(200, fixed[url.pathname]);
    }
    const path = parsePath(url.pathname);
    if (!path) {
      return send(404, failure(404, 'NotFound', 'not found'));
    }
    if (request.method !== 'GET') {
      request.resume();
      return send(403, failure(403, 'Forbidden', 'the stub Kubernetes API is read-only'));
    }
    const items = this.matching(path, url.searchParams.get('labelSelector'));
    if (path.name !== undefined) {
      const found = items.find((object) => object.metadata.name === path.name);
      return found
        ? send(200, found)
        : send(404, failure(404, 'NotFound', `${path.resource} "${path.name}" not found`));
    }
    // Metadata-only informers ask for PartialObjectMetadata.
    const metaOnly = /as=PartialObjectMetadata/.test(request.headers.accept ?? '');
    const asServed = (object: KubeObject) =>
      metaOnly ? { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: object.metadata } : object;
    const kind = metaOnly ? 'PartialObjectMetadata' : kindOf(path.resource);
    const apiVersion = metaOnly ? 'meta.k8s.io/v1' : path.groupVersion;
    const query = url.searchParams;
    if (query.get('watch') === 'true' || query.get('watch') === '1') {
      // client-go's WatchList: the objects as ADDED events, then a bookmark
      // marking the end of the initial events; then nothing ever changes.
      response.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
      const initial = query.get('sendInitialEvents') === 'true';
      for (const object of initial ? items : []) {
        response.write(`${JSON.stringify({ type: 'ADDED', object: asServed(object) })}\n`);
      }
      if (initial || query.get('allowWatchBookmarks') === 'true') {
        const metadata = { resourceVersion: '100', annotations: { 'k8s.io/initial-events-end': 'true' } };
        response.write(`${JSON.stringify({ type: 'BOOKMARK', object: { kind, apiVersion, metadata } })}\n`);
      }
      const timer = setTimeout(() => response.end(), Math.min(Number(query.get('timeoutSeconds') ?? 300), 600) * 1000);
      request.once('close', () => clearTimeout(timer));
      return;
    }
    send(200, { kind: `${kind}List`, apiVersion, metadata: { resourceVersion: '100' }, items: items.map(asServed) });
  }

  private matching(path: ApiPath, selector: string | null): KubeObject[] {
    const all = this.store.get(`${path.groupVersion}|${path.resource}`) ?? [];
    return all.filter(
      (object) =>
        (path.namespace === undefined || object.metadata.namespace === path.namespace) &&
        matchesSelector(selector, object.metadata.labels ?? {}),
    );
  }
}

const STARTED = new Date().toISOString();

interface ApiPath {
  readonly groupVersion: string;
  readonly namespace?: string;
  readonly resource: string;
  readonly name?: string;
}

/** `/api/v1/namespaces/mesh/pods/x` and `/apis/apps/v1/deployments`, split up. */
function parsePath(pathname: string): ApiPath | undefined {
  const parts = pathname.split('/').filter(Boolean);
  let groupVersion: string;
  let rest: string[];
  if (parts[0] === 'api' && parts[1]) {
    groupVersion = parts[1];
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts[2]) {
    groupVersion = `${parts[1]}/${parts[2]}`;
    rest = parts.slice(3);
  } else {
    return undefined;
  }
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  return rest[0] ? { groupVersion, namespace, resource: rest[0], name: rest[1] } : undefined;
}

/** Equality (`k=v`, `k==v`, `k!=v`) and existence (`k`, `!k`) terms, as client-go sends them. */
function matchesSelector(selector: string | null, labels: Readonly<Record<string, string>>): boolean {
  return (selector ?? '')
    .split(',')
    .filter(Boolean)
    .every((term) => {
      const match = /^([^=!]+)(==|=|!=)(.*)$/.exec(term);
      if (match) {
        return (labels[match[1]] === match[3]) === (match[2] !== '!=');
      }
      return term.startsWith('!') ? !(term.slice(1) in labels) : term in labels;
    });
}

// What istiod and istioctl watch, by resource: client-go checks the kind of
// a list against the type it decodes into, so casing matters.
const KINDS = Object.fromEntries(
  [
    'Pod',
    'Service',
    'Endpoints',
    'EndpointSlice',
    'Namespace',
    'Node',
    'ConfigMap',
    'Secret',
    'ServiceAccount',
    'CustomResourceDefinition',
    'MutatingWebhookConfiguration',
    'ValidatingWebhookConfiguration',
    'Lease',
    'Ingress',
    'IngressClass',
    'Gateway',
    'GatewayClass',
    'HTTPRoute',
    'GRPCRoute',
    'TCPRoute',
    'TLSRoute',
    'UDPRoute',
    'ReferenceGrant',
    'BackendTLSPolicy',
    'ServiceEntry',
    'WorkloadEntry',
    'WorkloadGroup',
    'VirtualService',
    'DestinationRule',
    'PeerAuthentication',
    'AuthorizationPolicy',
    'RequestAuthentication',
    'Sidecar',
    'EnvoyFilter',
    'Telemetry',
    'WasmPlugin',
    'ProxyConfig',
    'CertificateSigningRequest',
    'ReplicaSet',
    'Deployment',
    'DaemonSet',
    'StatefulSet',
    'Job',
    'CronJob',
    'ClusterTrustBundle',
    'ServiceCIDR',
    'IPAddress',
    'XBackendTrafficPolicy',
    'BackendTrafficPolicy',
    'ListenerSet',
    'XListenerSet',
    'InferencePool',
  ].map((kind) => [pluralOf(kind), kind]),
);

function kindOf(resource: string): string {
  return KINDS[resource] ?? `${resource[0].toUpperCase()}${resource.slice(1).replace(/ies$/, 'y').replace(/s$/, '')}`;
}

function pluralOf(kind: string): string {
  const lower = kind.toLowerCase();
  if (lower === 'endpoints') {
    return lower;
  }
  return /[^aeiou]y$/.test(lower) ? `${lower.slice(0, -1)}ies` : lower.endsWith('s') ? `${lower}es` : `${lower}s`;
}

function failure(code: number, reason: string, message: string) {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
}
