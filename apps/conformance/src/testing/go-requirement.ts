import { spawnSync } from 'node:child_process';

/**
 * The suites that build or locate Go things (the conformance runner, the
 * conformance protos) need Go. Without it they are skipped with the reason
 * printed, except under CI, where a missing Go fails them: CI must never pass
 * by not running the gate.
 */
export interface GoRequirement {
  /** `go version` when Go is on PATH, else undefined. */
  readonly goVersion: string | undefined;
  /** Why the suite cannot run, when it cannot. */
  readonly missing: string | undefined;
  readonly inCi: boolean;
}

export function checkGo(what: string): GoRequirement {
  const inCi = process.env.CI === 'true' || process.env.CI === '1';
  const result = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (result.status === 0) {
    return { goVersion: result.stdout.trim(), missing: undefined, inCi };
  }
  return {
    goVersion: undefined,
    missing: `${what} needs Go on PATH (https://go.dev/dl, >= 1.22): ${result.error?.message ?? result.stderr.trim()}`,
    inCi,
  };
}

/**
 * Registers the suite when Go is there. Otherwise: outside CI a skipped
 * suite and the reason on stderr; under CI one failing test with the reason.
 */
export function describeWithGo(what: string, name: string, suite: () => void): void {
  const go = checkGo(what);
  if (go.missing === undefined) {
    describe(name, suite);
  } else if (go.inCi) {
    describe(name, () => {
      it('has Go, which CI must provide', () => {
        throw new Error(go.missing);
      });
    });
  } else {
    process.stderr.write(`SKIPPED ${name}: ${go.missing}\n`);
    describe.skip(name, suite);
  }
}
