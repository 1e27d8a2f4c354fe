import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { BUNDLE_NODE, describeWhen, goMissing, goTool } from '@protomesh/testing';

/**
 * The correctness gate: the Connect conformance suite (`connectconformance`,
 * built from source at the version tools/scripts/go-tool.sh pins) against the
 * built bundle, once with the unary fast path on and once with it off. Every
 * case must pass except those in known-failing.txt, which must fail.
 */
const workspaceRoot = resolve(__dirname, '../../..');
const projectRoot = resolve(__dirname, '..');
const BUNDLE = join(workspaceRoot, 'dist/apps/conformance/main.js');
const CONFIG = join(projectRoot, 'config.yaml');
const KNOWN_FAILING = join(projectRoot, 'known-failing.txt');
/** A config that selects far fewer cases than this (~236 with connect-go and grpc-go clients) is a broken gate. */
const MIN_CASES = 200;

interface RunnerResult {
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly wallMs: number;
}

interface Summary {
  readonly total: number;
  readonly passed: number;
  readonly failed: number;
  readonly knownFailing: number;
  readonly couldNotRun: number;
}

function runConformance(runner: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<RunnerResult> {
  const args = [
    '--mode',
    'server',
    '--conf',
    relative(workspaceRoot, CONFIG),
    '--known-failing',
    `@${relative(workspaceRoot, KNOWN_FAILING)}`,
    '-v',
    '--',
    BUNDLE_NODE,
    relative(workspaceRoot, BUNDLE),
  ];
  const started = performance.now();
  return new Promise((resolvePromise, reject) => {
    // The runner starts the server itself (once per reference client) and
    // passes its own environment on to it: that is how UNARY_FAST_PATH arrives.
    const child = spawn(runner, args, { cwd: workspaceRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`connectconformance did not finish within ${timeoutMs} ms\n${stdout}\n${tail(stderr)}`));
    }, timeoutMs);
    child.once('error', reject);
    child.once('close', (exitCode) => {
      clearTimeout(timer);
      resolvePromise({ exitCode, stdout, stderr, wallMs: Math.round(performance.now() - started) });
    });
  });
}

function summarise(stdout: string): Summary {
  const number = (pattern: RegExp) => Number(pattern.exec(stdout)?.[1] ?? NaN);
  const optional = (pattern: RegExp) => Number(pattern.exec(stdout)?.[1] ?? 0);
  return {
    total: number(/^Total cases: (\d+)$/m),
    passed: number(/^(\d+) passed, \d+ failed$/m),
    failed: number(/^\d+ passed, (\d+) failed$/m),
    knownFailing: optional(/^\(Another (\d+) failed as expected/m),
    couldNotRun: optional(/^Another (\d+) could not be run/m),
  };
}

function tail(text: string, lines = 40): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/** The `unaryFastPath` of every server the runner started, from their start-up lines (stderr). */
function fastPathSettings(stderr: string): unknown[] {
  return stderr
    .split('\n')
    .filter((line) => line.includes('"conformance server listening"'))
    .map((line) => {
      try {
        return (JSON.parse(line) as { unaryFastPath?: unknown }).unaryFastPath;
      } catch {
        return `unparsable: ${line}`;
      }
    });
}

describeWhen('Connect conformance suite (connectconformance --mode server)', goMissing(), () => {
  let runner: string;

  beforeAll(async () => {
    if (!existsSync(BUNDLE)) {
      throw new Error(`${BUNDLE} is missing: run "npx nx run @protomesh/conformance:build" first`);
    }
    // Builds the pinned runner into .tools/bin on first use (seconds with a
    // warm Go cache, a few minutes cold); prints its path.
    runner = await goTool('connectconformance');
  }, 10 * 60_000);

  it('has a known-failing list whose every case carries its reason on the line above', () => {
    const lines = readFileSync(KNOWN_FAILING, 'utf8').split('\n');
    const unexplained = lines.filter(
      (line, index) => line.trim() !== '' && !line.trim().startsWith('#') && !lines[index - 1]?.trim().startsWith('#'),
    );
    expect(unexplained).toEqual([]);
  });

  describe.each([['on'], ['off']])('UNARY_FAST_PATH=%s', (mode) => {
    it(
      'passes every case except the known-failing ones',
      async () => {
        const result = await runConformance(
          runner,
          { ...process.env, UNARY_FAST_PATH: mode, LOG_LEVEL: 'info', METRICS_PORT: '0' },
          5 * 60_000,
        );
        const summary = summarise(result.stdout);
        process.stdout.write(
          `conformance UNARY_FAST_PATH=${mode}: ${summary.total} cases, ${summary.passed} passed, ` +
            `${summary.failed} failed, ${summary.knownFailing} known-failing (failed as expected), ` +
            `runner exit ${result.exitCode}, ${(result.wallMs / 1000).toFixed(1)} s\n`,
        );
        const report = `runner stdout:\n${result.stdout}\nrunner and server stderr (tail):\n${tail(result.stderr)}`;
        expect({ exitCode: result.exitCode, failed: summary.failed, report }).toEqual({
          exitCode: 0,
          failed: 0,
          report,
        });
        expect(summary.total).toBeGreaterThanOrEqual(MIN_CASES);
        expect(summary.couldNotRun).toBe(0);
        expect(summary.passed + summary.knownFailing).toBe(summary.total);
        // The setting reached every server the runner started (one per reference client).
        const settings = fastPathSettings(result.stderr);
        expect(settings.length).toBeGreaterThan(0);
        expect(new Set(settings)).toEqual(new Set([mode === 'on']));
      },
      6 * 60_000,
    );
  });
});
