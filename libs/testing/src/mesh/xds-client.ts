// First: grpc-js-xds reads its feature switches when it loads.
import './xds-features.js';
import * as grpc from '@grpc/grpc-js';
import { register, XdsChannelCredentials } from '@grpc/grpc-js-xds';
import { GrpcJsClient, type UnaryOutcome } from '../grpc-js-peer.js';
import type { Caller } from './rendering.js';

/**
 * grpc-js-xds reads this channel (and server) option instead of
 * GRPC_XDS_BOOTSTRAP(_CONFIG): each channel or server then gets an xDS
 * client, and a resource cache, of its own.
 */
export const BOOTSTRAP_OPTION = 'grpc.TEST_ONLY_DO_NOT_USE_IN_PROD.xds_bootstrap_config';
/** The node address callers announce; no WorkloadEntry uses it. */
const CALLER_IP = '127.0.1.1';

/** A proxyless workload as istiod sees it: its pod's namespace, labels and service account, and its address. */
export interface XdsNode {
  readonly workload: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly serviceAccount?: string;
  readonly ip: string;
}

/**
 * The gRPC xDS bootstrap istio-agent writes for a proxyless pod
 * (pkg/istio-agent/grpcxds), pointing straight at istiod's plaintext port.
 * `certDir` (cert-chain.pem, key.pem, root-cert.pem) becomes the `default`
 * certificate provider Istio's TLS settings name; `server` adds the inbound
 * listener template an xDS server needs.
 *
 * `ignore_resource_deletion` (gRFC A53) works around a grpc-js-xds 1.14.1 bug:
 * a cluster removed and re-added unchanged (a subset switch back) otherwise
 * stays "does not exist" for the life of the client.
 */
export function xdsBootstrap(
  xdsAddress: string,
  node: XdsNode,
  options: { readonly certDir?: string; readonly server?: boolean } = {},
): Record<string, unknown> {
  const { certDir, server } = options;
  return {
    xds_servers: [
      {
        server_uri: xdsAddress,
        channel_creds: [{ type: 'insecure' }],
        server_features: ['xds_v3', 'ignore_resource_deletion'],
      },
    ],
    node: {
      id: `sidecar~${node.ip}~${node.workload}-rehearsal.${node.namespace}~${node.namespace}.svc.cluster.local`,
      locality: {},
      metadata: {
        // Istio's grpc generator (grpcgen) serves proxyless workloads.
        GENERATOR: 'grpc',
        NAMESPACE: node.namespace,
        CLUSTER_ID: 'Kubernetes',
        INSTANCE_IPS: node.ip,
        LABELS: node.labels,
        ISTIO_VERSION: '1.31.0',
        WORKLOAD_NAME: node.workload,
        ...(node.serviceAccount && { SERVICE_ACCOUNT: node.serviceAccount }),
      },
    },
    ...(server && { server_listener_resource_name_template: 'xds.istio.io/grpc/lds/inbound/%s' }),
    ...(certDir && {
      certificate_providers: {
        default: {
          plugin_name: 'file_watcher',
          config: {
            certificate_file: `${certDir}/cert-chain.pem`,
            private_key_file: `${certDir}/key.pem`,
            ca_certificate_file: `${certDir}/root-cert.pem`,
            refresh_interval: '900s',
          },
        },
      },
    }),
  };
}

/** How one call ended, in the fields the client's "SayHello <CODE>" log line has. */
export interface MeshCall {
  readonly code: string;
  readonly latencyMs: number;
  readonly serverInstance: string | null;
  readonly serverVersion: string | null;
  readonly error?: string;
}

let registered = false;

/** Registers grpc-js-xds's resolver, balancers and filters with grpc-js, once. */
export function registerXds(): void {
  if (registered) {
    return;
  }
  register();
  // With ignore_resource_deletion, grpc-js-xds logs every cluster istiod
  // stops sending as an error (gRFC A53 asks for it). Dropping a subset does
  // that by design here; every other grpc-js message is logged as before.
  grpc.setLogger({
    error: (message?: unknown, ...rest: unknown[]) => {
      if (!String(message).startsWith('Ignoring nonexistent resource')) {
        console.error(`E ${String(message)}`, ...rest);
      }
    },
    info: (message?: unknown, ...rest: unknown[]) => console.error(`I ${String(message)}`, ...rest),
    debug: (message?: unknown, ...rest: unknown[]) => console.error(`D ${String(message)}`, ...rest),
  });
  registered = true;
}

/**
 * A proxyless gRPC caller (@grpc/grpc-js + @grpc/grpc-js-xds) dialing the
 * caller's `xds:///<Service FQDN>:<port>` through istiod, each call with the
 * caller's deadline. Routes, faults, timeouts, retries and subsets are
 * applied by the client library from what istiod serves; there is no Envoy.
 * With `certDir` it has that mTLS identity wherever Istio's config asks for
 * TLS (XdsChannelCredentials); without, it is plaintext.
 *
 * Each instance has its own xDS client: grpc-js-xds 1.14.1 never applies a
 * fault that appears on a route it has cached without one, so a fresh
 * XdsGreeter (not a reused one) sees a newly enabled fault.
 */
export class XdsGreeter {
  private readonly client: GrpcJsClient;

  constructor(
    readonly caller: Caller,
    xdsAddress: string,
    certDir?: string,
  ) {
    registerXds();
    const insecure = grpc.credentials.createInsecure();
    this.client = new GrpcJsClient(
      caller.target,
      { [BOOTSTRAP_OPTION]: JSON.stringify(xdsBootstrap(xdsAddress, { ...caller, ip: CALLER_IP }, { certDir })) },
      certDir ? new XdsChannelCredentials(insecure) : insecure,
    );
  }

  async call(name = 'world'): Promise<MeshCall> {
    return outcomeOf(await timed(() => this.client.sayHello(name, this.caller.timeoutMs)));
  }

  /** `count` calls one after another. */
  async calls(count: number): Promise<MeshCall[]> {
    const done: MeshCall[] = [];
    while (done.length < count) {
      done.push(await this.call());
    }
    return done;
  }

  /** Calls `path` (e.g. a method the AuthorizationPolicy does not list) with an empty message. */
  async callPath(path: string): Promise<MeshCall> {
    return outcomeOf(await timed(() => this.client.callRaw(path, this.caller.timeoutMs)));
  }

  /**
   * Closes the channel once it is done connecting: grpc-js-xds 1.14.1 leaves
   * a 10 s failover timer (keeping the process alive) behind a channel closed
   * while connecting, as when a fault aborted every call before any pick.
   */
  async close(): Promise<void> {
    const channel = this.client.channel();
    const deadline = Date.now() + 2_000;
    while (channel.getConnectivityState(false) === grpc.connectivityState.CONNECTING && Date.now() < deadline) {
      await new Promise<void>((resolve) =>
        channel.watchConnectivityState(grpc.connectivityState.CONNECTING, deadline, () => resolve()),
      );
    }
    this.client.close();
  }
}

async function timed<T>(call: () => Promise<UnaryOutcome<T>>): Promise<[UnaryOutcome<T>, number]> {
  const started = performance.now();
  const outcome = await call();
  return [outcome, Math.round((performance.now() - started) * 10) / 10];
}

function outcomeOf([outcome, latencyMs]: [UnaryOutcome<unknown>, number]): MeshCall {
  const header = (key: string) => String(outcome.header?.get(key)[0] ?? '') || null;
  return {
    code: grpc.status[outcome.code],
    latencyMs,
    serverInstance: header('x-server-instance'),
    serverVersion: header('x-server-version'),
    ...(outcome.code !== grpc.status.OK && { error: outcome.details }),
  };
}
