import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type BundleProcess, type StartedServer, startServer } from '../bundle-process.js';
import { Istiod, WORKSPACE_ROOT } from './istiod.js';
import { goTool } from '../requirements.js';
import {
  type Caller,
  callerOf,
  defaultInstances,
  type Instance,
  type KubeObject,
  meshConfigObjects,
  parseRendering,
  type Placed,
} from './rendering.js';
import { XdsGreeter } from './xds-client.js';

export const CHART_DIR = join(WORKSPACE_ROOT, 'charts/protomesh');
/** The release the chart's own tests render: its namespace shows up in hosts and principals. */
export const RELEASE = { name: 'protomesh', namespace: 'mesh' } as const;

/**
 * `helm template` of charts/protomesh (release protomesh, namespace mesh)
 * with `args` (`--set k=v`, `-f file`, …), by the real helm that
 * tools/src/helm.ts finds, parsed.
 */
export async function helmTemplate(args: readonly string[] = []): Promise<KubeObject[]> {
  // Looked up once per process, as the chart's tests do (and under the same variable).
  process.env['PROTOMESH_CHART_HELM'] ??= execFileSync(
    process.execPath,
    ['--import', 'tsx', join(WORKSPACE_ROOT, 'tools/src/helm.ts')],
    { cwd: WORKSPACE_ROOT, encoding: 'utf8' },
  ).trim();
  const { stdout } = await promisify(execFile)(
    process.env['PROTOMESH_CHART_HELM'],
    ['template', RELEASE.name, CHART_DIR, '--namespace', RELEASE.namespace, ...args],
    { maxBuffer: 16 * 1024 * 1024 },
  ).catch((error: { stderr?: string; message: string }) => {
    throw new Error(`helm template ${args.join(' ')} failed: ${error.stderr?.trim() || error.message}`);
  });
  return parseRendering(stdout);
}

/** A server instance running: where, and its process (its log lines). */
export interface RunningInstance extends Placed {
  readonly process: BundleProcess;
}

export interface Applied {
  /** The rendered client, as the proxyless caller runs it. */
  readonly caller: Caller;
  readonly instances: readonly RunningInstance[];
}

interface Running {
  readonly key: string;
  readonly placed: Placed;
  readonly server: StartedServer;
}

/**
 * A chart rendering played through Istio's own control plane on one machine:
 * istiod (see Istiod) serving the rendering's Istio objects plus the
 * ServiceEntry and WorkloadEntries derived from its Service and Deployments;
 * the server bundle once per instance, each on a loopback address of its own;
 * and proxyless callers (XdsGreeter) dialing the Service through xDS.
 */
export class MeshRehearsal {
  private readonly running = new Map<string, Running>();

  private constructor(
    readonly istiod: Istiod,
    private readonly workDir: string,
  ) {}

  /** Builds pilot-discovery on first use (tools/scripts/go-tool.sh), then starts istiod. */
  static async start(): Promise<MeshRehearsal> {
    const binary = await goTool('pilot-discovery');
    const workDir = mkdtempSync(join(tmpdir(), 'protomesh-mesh-'));
    try {
      return new MeshRehearsal(await Istiod.start(binary, workDir), workDir);
    } catch (error) {
      rmSync(workDir, { recursive: true, force: true });
      throw error;
    }
  }

  /**
   * Makes a rendering the mesh's state: starts the server instances it needs
   * (default: one per Deployment behind each Service, with its version and
   * environment) and stops the others, then writes istiod's config and waits
   * until istiod has loaded and pushed it. Instances that stay the same keep
   * running, so connected callers only see the config change.
   */
  async apply(docs: readonly KubeObject[], instances: readonly Instance[] = defaultInstances(docs)): Promise<Applied> {
    const wanted = new Map(instances.map((instance) => [instance.name, instance]));
    for (const [name, running] of this.running) {
      const instance = wanted.get(name);
      if (!instance || keyOf(instance) !== running.key) {
        await running.server.process.kill();
        this.running.delete(name);
      }
    }
    for (const instance of instances) {
      if (!this.running.has(instance.name)) {
        const address = this.freeAddress();
        const server = await startServer({
          ...instance.backend.env,
          ...instance.env,
          HOST: address,
          PORT: '0',
          METRICS_PORT: '0',
          POD_NAME: instance.name,
          SERVICE_VERSION: instance.version,
        });
        this.running.set(instance.name, {
          key: keyOf(instance),
          placed: { instance, address, port: server.port },
          server,
        });
      }
    }
    const running = [...this.running.values()];
    const caller = await this.configure(
      docs,
      running.map((r) => r.placed),
    );
    return { caller, instances: running.map((r) => ({ ...r.placed, process: r.server.process })) };
  }

  /**
   * Writes istiod's config for a rendering whose workloads are `placed`
   * (started by the caller, e.g. an xDS server) and waits until istiod has
   * loaded and pushed it. Resolves with the rendered client.
   */
  async configure(docs: readonly KubeObject[], placed: readonly Placed[]): Promise<Caller> {
    await this.istiod.writeConfig(meshConfigObjects(docs, placed));
    return callerOf(docs);
  }

  /** A new proxyless caller (its own xDS client), as `caller` runs; with `certDir`, that mTLS identity. */
  client(caller: Caller, certDir?: string): XdsGreeter {
    return new XdsGreeter(caller, this.istiod.xdsAddress, certDir);
  }

  async stop(): Promise<void> {
    await Promise.all([...this.running.values()].map((running) => running.server.process.kill()));
    this.running.clear();
    await this.istiod.stop();
    rmSync(this.workDir, { recursive: true, force: true });
  }

  /** 127.0.0.2 and up: Linux routes all of 127/8 to loopback, so each instance has an address of its own. */
  private freeAddress(): string {
    const used = new Set([...this.running.values()].map((running) => running.placed.address));
    for (let host = 2; host < 255; host++) {
      if (!used.has(`127.0.0.${host}`)) {
        return `127.0.0.${host}`;
      }
    }
    throw new Error('no free loopback address left in 127.0.0.2-254');
  }
}

function keyOf(instance: Instance): string {
  const { backend, version, env } = instance;
  return JSON.stringify([backend.podLabels, backend.serviceAccount, backend.env, version, env]);
}
