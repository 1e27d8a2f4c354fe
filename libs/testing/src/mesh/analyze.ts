import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { writeMeshConfig } from './istiod.js';
import { type KubeObject, runtimeObjects, toYaml } from './rendering.js';
import { StubKubeApi } from './stub-kube-api.js';

/**
 * How `istioctl analyze` sees a rendering:
 * - `files`: `--use-kube=false -A`, the rendering as files. Nearly blind:
 *   istioctl never takes Service, Pod, Namespace or Secret from files, so
 *   every analyzer that needs one is skipped (host and subset existence,
 *   port names, authorization policy targets, injection…).
 * - `stub-api`: the same files, plus a StubKubeApi serving only the
 *   rendering's own Namespace, Services and ServiceAccounts and pods
 *   synthesized from its Deployments (sidecar-injected, Running): no other
 *   cluster state, so every analyzer runs against what the chart would create.
 */
export type AnalyzeMode = 'files' | 'stub-api';

export interface AnalyzerMessage {
  readonly code: string;
  readonly level: string;
  readonly origin: string;
  readonly message: string;
}

export interface Analysis {
  readonly exitCode: number;
  readonly messages: AnalyzerMessage[];
  /** istioctl's stderr, for failure messages. */
  readonly stderr: string;
}

export async function istioctlAnalyze(
  istioctl: string,
  docs: readonly KubeObject[],
  mode: AnalyzeMode,
): Promise<Analysis> {
  const dir = mkdtempSync(join(tmpdir(), 'protomesh-analyze-'));
  const api = mode === 'stub-api' ? await StubKubeApi.start(runtimeObjects(docs)) : undefined;
  try {
    const rendering = join(dir, 'rendering.yaml');
    writeFileSync(rendering, toYaml(docs));
    const namespace = docs.find((doc) => doc.metadata.namespace)?.metadata.namespace;
    const cluster = api
      ? [`--kubeconfig=${api.writeKubeconfig(join(dir, 'kubeconfig'), namespace)}`]
      : ['--use-kube=false'];
    const args = ['analyze', ...cluster, '-A', '--meshConfigFile', writeMeshConfig(dir), rendering, '-o', 'json'];
    const { exitCode, stdout, stderr } = await promisify(execFile)(istioctl, args, {
      timeout: 60_000,
      env: { HOME: dir },
    })
      .then(({ stdout, stderr }) => ({ exitCode: 0, stdout, stderr }))
      .catch((error: { code?: unknown; stdout?: string; stderr?: string }) => {
        if (typeof error.code !== 'number') {
          throw error;
        }
        return { exitCode: error.code, stdout: error.stdout ?? '', stderr: error.stderr ?? '' };
      });
    let messages: AnalyzerMessage[];
    try {
      messages = JSON.parse(stdout) as AnalyzerMessage[];
    } catch {
      throw new Error(`istioctl ${args.join(' ')} (exit ${exitCode}) printed no JSON:\n${stdout}\n${stderr}`);
    }
    return { exitCode, messages, stderr };
  } finally {
    await api?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One accepted analyzer message: its code and origin, and why it is not a problem. */
export interface AnalyzeException {
  readonly code: string;
  readonly origin: string;
  readonly reason: string;
}

/**
 * Parses an exception list: one message a line, `<code> <origin> # <reason>`
 * (e.g. `IST0102 Namespace mesh # …`); blank lines and lines starting with
 * `#` are ignored. A line without a reason is an error.
 */
export function parseAnalyzeExceptions(text: string): AnalyzeException[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const match = /^(IST\d{4})\s+(.+?)\s+#\s*(\S.*)$/.exec(line);
      if (!match) {
        throw new Error(`not "<code> <origin> # <reason>": ${line}`);
      }
      return { code: match[1], origin: match[2], reason: match[3] };
    });
}

/** The messages no exception accepts. */
export function unexcused(
  messages: readonly AnalyzerMessage[],
  exceptions: readonly AnalyzeException[],
): AnalyzerMessage[] {
  return messages.filter((m) => !exceptions.some((e) => e.code === m.code && e.origin === m.origin));
}
