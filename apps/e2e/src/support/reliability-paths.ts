import {
  grpcFrame,
  rawGrpcRequest,
  rssBytes,
  sayHelloMessage,
  type StartedServer,
  startServer,
} from '@protomesh/testing';

/**
 * The two ways the TypeScript server answers a unary call (README, "Server"):
 * the fast path of our own and connect-node's pipeline. Bad input must not
 * break either, and both must answer it alike, so every reliability suite
 * runs once per path (`describe.each(PATHS)`).
 */
export interface ServerPath {
  readonly name: string;
  readonly UNARY_FAST_PATH: 'on' | 'off';
}

export const PATHS: readonly ServerPath[] = [
  { name: 'fast path', UNARY_FAST_PATH: 'on' },
  { name: 'connect-node', UNARY_FAST_PATH: 'off' },
];

/** A server bundle on one path, with its process id for /proc figures. */
export interface ObservedServer extends StartedServer {
  readonly pid: number;
  /** Its resident memory now, in bytes. */
  rss(): number;
}

export async function startOnPath(path: ServerPath, env: Record<string, string> = {}): Promise<ObservedServer> {
  const server = await startServer({ UNARY_FAST_PATH: path.UNARY_FAST_PATH, ...env });
  const { pid } = server.process;
  return { ...server, pid, rss: () => rssBytes(pid) };
}

/** One ordinary SayHello on a fresh connection must succeed: the server is still serving. */
export async function expectServing(url: string): Promise<void> {
  const response = await rawGrpcRequest(url, { body: grpcFrame(sayHelloMessage('still-there')) });
  expect({ status: response.grpcStatus, message: response.grpcMessage }).toEqual({ status: 0, message: undefined });
}

/** Room for a loaded machine (2 shared cores, other suites running) on top of a timeout under test. */
export const SLACK_MS = 1_000;

export const MiB = 1024 * 1024;

export function mib(bytes: number): string {
  return `${(bytes / MiB).toFixed(1)} MiB`;
}

/**
 * Prints a figure for docs/reliability.md on stderr, where it stays readable
 * among Jest's output: `[reliability] <suite>: <figure>`.
 */
export function report(suite: string, figure: string): void {
  process.stderr.write(`[reliability] ${suite}: ${figure}\n`);
}
