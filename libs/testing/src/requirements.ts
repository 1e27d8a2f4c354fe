import { execFile, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const WORKSPACE_ROOT = join(__dirname, '../../..');
const GO_TOOL = join(WORKSPACE_ROOT, 'tools/scripts/go-tool.sh');

/**
 * Registers a suite that needs something this machine may lack (Go, a
 * container engine): `missing` says what is missing, undefined when nothing
 * is. Without it: outside CI the suite is skipped and the reason printed;
 * under CI=true one failing test carries the reason, so CI can never pass by
 * not running a gate.
 */
export function describeWhen(name: string, missing: string | undefined, suite: () => void): void {
  if (missing === undefined) {
    describe(name, suite);
  } else if (process.env['CI'] === 'true' || process.env['CI'] === '1') {
    describe(name, () => {
      it('has what it needs, which CI must provide', () => {
        throw new Error(`${name} cannot run on CI: ${missing}`);
      });
    });
  } else {
    process.stderr.write(`SKIPPED ${name}: ${missing} (set CI=true to make this a failure)\n`);
    describe.skip(name, suite);
  }
}

/** Why Go cannot build the pinned tools here, or undefined when `go` is on PATH. */
export function goMissing(): string | undefined {
  const result = spawnSync('go', ['version'], { encoding: 'utf8' });
  return result.status === 0
    ? undefined
    : `needs Go on PATH (https://go.dev/dl, >= 1.26): ${result.error?.message ?? result.stderr.trim()}`;
}

/**
 * The path of a Go tool pinned in tools/scripts/go-tool.sh (`connectconformance`,
 * `h2spec`, `pilot-discovery`, …), building it on first use: minutes on a fresh machine.
 */
export async function goTool(name: string): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)(GO_TOOL, [name], { cwd: WORKSPACE_ROOT, timeout: 30 * 60_000 });
    return stdout.trim();
  } catch (error) {
    const failed = error as { stderr?: string; message: string };
    throw new Error(`tools/scripts/go-tool.sh ${name} failed: ${failed.stderr?.trim() || failed.message}`);
  }
}
