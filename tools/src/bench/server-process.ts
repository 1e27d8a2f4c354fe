import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { trackChild } from './child-registry.js';
import { isRoutineLogLine, listeningPort, OK_COUNT_QUERY, type OkCountReply } from './child-protocol.js';
import { pinned } from './cpu-pinning.js';

export interface ServerSpec {
  /** Short id used for ratios and in the report. */
  id: string;
  label: string;
  /** Node arguments: script and its arguments. */
  args: string[];
  /** Working directory; `--import tsx` is resolved from it. */
  cwd: string;
  env?: Record<string, string>;
  /** Whether the server answers OK-count queries over IPC. */
  countsOk: boolean;
}

export interface RunningServer {
  spec: ServerSpec;
  pid: number;
  port: number;
  /** OK responses sent so far, or undefined when the server cannot tell. */
  okCount(): Promise<number | undefined>;
  /** Warnings, errors and stray output since the last call (stdout and stderr). */
  takeLogLines(): string[];
  /** Why the process ended, once it has; a server that dies mid-run spoils the run. */
  exitReason(): string | undefined;
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 15_000;
const STOP_GRACE_MS = 2_000;
const QUERY_TIMEOUT_MS = 2_000;

/** Starts a server as a child process and waits for its "listening" line. */
export async function startServer(spec: ServerSpec, pinPrefix: readonly string[]): Promise<RunningServer> {
  const [command, args] = pinned(pinPrefix, process.execPath, spec.args);
  const child = trackChild(
    spawn(command, args, {
      cwd: spec.cwd,
      // A clean environment: no stray FAULT_* or NODE_OPTIONS from the caller's shell skews a server.
      env: { PATH: process.env['PATH'] ?? '', ...spec.env },
      stdio: ['ignore', 'pipe', 'pipe', ...(spec.countsOk ? ['ipc' as const] : [])],
    }),
  );
  let lines: string[] = [];
  let exitReason: string | undefined;
  child.once('exit', (code, signal) => (exitReason = `exited with ${signal ?? `code ${code}`}`));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => fail(`no start line within ${START_TIMEOUT_MS} ms`), START_TIMEOUT_MS);
    function fail(why: string): void {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${spec.label}: ${why}; output: ${lines.join(' | ') || '(none)'}`));
    }
    child.once('exit', () => fail(exitReason ?? 'exited'));
    const { stdout, stderr } = child;
    if (stdout === null || stderr === null) {
      fail('no output pipes');
      return;
    }
    createInterface({ input: stderr }).on('line', (line) => lines.push(line));
    createInterface({ input: stdout }).on('line', (line) => {
      const found = listeningPort(line);
      if (found === undefined) {
        lines.push(line);
        return;
      }
      clearTimeout(timer);
      resolve(found);
    });
  });
  lines = [];
  return {
    spec,
    pid: child.pid ?? 0,
    port,
    okCount: () => (spec.countsOk ? queryOkCount(child) : Promise.resolve(undefined)),
    takeLogLines: () => lines.splice(0).filter((line) => !isRoutineLogLine(line)),
    exitReason: () => exitReason,
    stop: () => stop(child),
  };
}

async function queryOkCount(child: ChildProcess): Promise<number> {
  const reply = once(child, 'message', { signal: AbortSignal.timeout(QUERY_TIMEOUT_MS) });
  child.send(OK_COUNT_QUERY);
  const [message] = (await reply) as [OkCountReply];
  return message.okCount;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return;
  }
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
  await exited;
  clearTimeout(timer);
}
