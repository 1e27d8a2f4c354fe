import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { KubeObject } from './rendering.js';
import { StubKubeApi } from './stub-kube-api.js';

export const WORKSPACE_ROOT = join(__dirname, '../../../..');

/** Why the mesh rehearsal cannot run here beyond Go itself, or undefined. */
export function meshMissing(): string | undefined {
  return process.platform === 'linux'
    ? undefined
    : `needs Linux: server instances listen on loopback addresses 127.0.0.2 and up, which ${process.platform} does not route`;
}

/** The mesh configuration istiod (`--meshConfig`) and istioctl (`--meshConfigFile`) read. */
export const MESH_CONFIG = {
  rootNamespace: 'istio-system',
  trustDomain: 'cluster.local',
  ingressControllerMode: 'OFF',
  enableTracing: false,
  accessLogFile: '',
};

/** Writes MESH_CONFIG (JSON is YAML) into `dir`; returns its path. */
export function writeMeshConfig(dir: string): string {
  const path = join(dir, 'mesh.yaml');
  writeFileSync(path, JSON.stringify(MESH_CONFIG));
  return path;
}

/** Marks each object written to the config dir, so waitForConfig can tell when istiod has read it. */
const DIGEST = 'rehearsal.protomesh.dev/digest';
/** PILOT_DEBOUNCE_AFTER (100 ms) plus the push itself, with room for a loaded machine. */
const PUSH_SETTLE_MS = 400;

/**
 * Istio's control plane (pilot-discovery) on loopback, with no cluster: its
 * Kubernetes client talks to an empty StubKubeApi, its Istio config comes
 * from a directory this class writes, and it serves plaintext xDS only (no
 * CA: ENABLE_CA_SERVER=false, since the CA would need a writable Secret).
 */
export class Istiod {
  /** The plaintext xDS address (`host:port`) clients dial, read from istiod's log. */
  xdsAddress = '';
  /** The HTTP address of /ready and /debug/*, read from istiod's log. */
  httpAddress = '';
  private readonly log: string[] = [];
  private readonly exited: Promise<number | null>;

  private constructor(
    private readonly child: ChildProcessByStdio<null, Readable, Readable>,
    private readonly api: StubKubeApi,
    readonly configDir: string,
  ) {
    for (const input of [child.stdout, child.stderr]) {
      createInterface({ input }).on('line', (line) => {
        this.xdsAddress ||= /starting gRPC discovery service at (\S+)/.exec(line)?.[1] ?? '';
        this.httpAddress ||= /starting HTTP service at (\S+)/.exec(line)?.[1] ?? '';
        this.log.push(line);
        this.log.splice(0, this.log.length - 400);
      });
    }
    this.exited = new Promise((resolve) => child.once('close', (code) => resolve(code)));
  }

  /** Starts istiod in `workDir` (its config dir is `workDir/config`) and resolves once /ready answers 200. */
  static async start(binary: string, workDir: string): Promise<Istiod> {
    const api = await StubKubeApi.start();
    const configDir = join(workDir, 'config');
    mkdirSync(configDir, { recursive: true });
    const args = [
      'discovery',
      // The Kubernetes registry (of the empty stub API): without any registry
      // istiod panics at start-up, see StubKubeApi.
      '--registries=Kubernetes',
      `--kubeconfig=${api.writeKubeconfig(join(workDir, 'kubeconfig'))}`,
      `--configDir=${configDir}`,
      `--meshConfig=${writeMeshConfig(workDir)}`,
      '--networksConfig=/dev/null',
      '--domain=cluster.local',
      '--clusterID=Kubernetes',
      // Port 0 everywhere: the bound addresses are read from the log.
      '--grpcAddr=127.0.0.1:0',
      '--httpAddr=127.0.0.1:0',
      '--secureGRPCAddr=',
      '--httpsAddr=',
      '--monitoringAddr=',
      '--ctrlz_address=127.0.0.1',
      '--ctrlz_port=0',
      '--log_output_level=default:info',
    ];
    const child = spawn(binary, args, {
      cwd: workDir,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        HOME: workDir,
        POD_NAMESPACE: 'istio-system',
        POD_NAME: 'istiod-rehearsal',
        ENABLE_CA_SERVER: 'false',
        PILOT_ENABLE_GATEWAY_API: 'false',
        PILOT_ENABLE_GATEWAY_API_STATUS: 'false',
        PILOT_ENABLE_GATEWAY_API_DEPLOYMENT_CONTROLLER: 'false',
        PILOT_ENABLE_ALPHA_GATEWAY_API: 'false',
        INJECTION_WEBHOOK_CONFIG_NAME: '',
        VALIDATION_WEBHOOK_CONFIG_NAME: '',
      },
    });
    const istiod = new Istiod(child, api, configDir);
    try {
      await istiod.until('its gRPC and HTTP addresses in the log', 60_000, () =>
        Promise.resolve(Boolean(istiod.xdsAddress && istiod.httpAddress)),
      );
      await istiod.until('/ready', 60_000, async () => (await fetch(`http://${istiod.httpAddress}/ready`)).ok);
    } catch (error) {
      await istiod.stop();
      throw error;
    }
    return istiod;
  }

  /**
   * Replaces the config dir's content with `objects`: one file per object,
   * each written atomically (istiod re-reads the whole directory on any change
   * and keeps its old state if one file does not parse), unchanged files left
   * alone. Resolves once istiod holds exactly these objects and has had time
   * to push them.
   */
  async writeConfig(objects: readonly KubeObject[]): Promise<void> {
    const expected = new Map<string, string>();
    const files = new Set<string>();
    for (const object of objects) {
      const digest = createHash('sha256').update(JSON.stringify(object)).digest('hex').slice(0, 16);
      const metadata = { ...object.metadata, annotations: { ...object.metadata.annotations, [DIGEST]: digest } };
      const key = `${object.kind}/${object.metadata.namespace ?? 'default'}/${object.metadata.name}`;
      expected.set(key, digest);
      const file = `${key.replaceAll('/', '-').toLowerCase()}.yaml`;
      files.add(file);
      // JSON is YAML; the temporary name must not end in .yaml or istiod would read it.
      writeFileSync(join(this.configDir, `.${file}.tmp`), JSON.stringify({ ...object, metadata }, null, 1));
      renameSync(join(this.configDir, `.${file}.tmp`), join(this.configDir, file));
    }
    for (const file of readdirSync(this.configDir)) {
      if (file.endsWith('.yaml') && !files.has(file)) {
        unlinkSync(join(this.configDir, file));
      }
    }
    await this.until('istiod to load the config dir (a file it cannot parse keeps the old state)', 20_000, async () => {
      const loaded = (await (await fetch(`http://${this.httpAddress}/debug/configz`)).json()) as KubeObject[];
      const seen = new Map(
        loaded.map((o) => [
          `${o.kind}/${o.metadata.namespace ?? 'default'}/${o.metadata.name}`,
          o.metadata.annotations?.[DIGEST],
        ]),
      );
      return seen.size === expected.size && [...expected].every(([key, digest]) => seen.get(key) === digest);
    });
    await new Promise((resolve) => setTimeout(resolve, PUSH_SETTLE_MS));
  }

  /** The last lines istiod logged, for failure messages. */
  logTail(lines = 40): string {
    return this.log.slice(-lines).join('\n');
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
      await this.exited;
      clearTimeout(timer);
    }
    await this.api.close();
  }

  private async until(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        throw new Error(
          `istiod exited (${this.child.exitCode ?? this.child.signalCode}) waiting for ${what}:\n${this.logTail()}`,
        );
      }
      if (await check().catch(() => false)) {
        return;
      }
      if (Date.now() > deadline) {
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; istiod's log:\n${this.logTail()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}
