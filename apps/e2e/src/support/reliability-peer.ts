import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';

/**
 * A client in a process of its own holding one node:http2 connection, which
 * answers the server's PINGs as any HTTP/2 client does, until the test stops
 * the process (SIGSTOP): a peer that is alive as far as TCP goes, yet answers
 * nothing — a frozen or swapped-out pod, a debugger at a breakpoint.
 */
const PEER_SCRIPT = `
const http2 = require('node:http2');
const session = http2.connect(process.argv[1]);
session.on('error', () => {});
session.on('connect', () => console.log(JSON.stringify({ localPort: session.socket.localPort })));
session.on('ping', () => {});
session.on('close', () => { console.log(JSON.stringify({ closed: true })); process.exit(0); });
`;

const running = new Set<StoppablePeer>();

export class StoppablePeer {
  private readonly child: ChildProcessByStdio<null, Readable, null>;
  private readonly lines: Record<string, unknown>[] = [];
  private readonly exited: Promise<void>;
  private stopped = false;

  constructor(url: string) {
    this.child = spawn(process.execPath, ['-e', PEER_SCRIPT, url], { stdio: ['ignore', 'pipe', 'ignore'] });
    running.add(this);
    createInterface({ input: this.child.stdout }).on('line', (line) => this.lines.push(JSON.parse(line)));
    this.exited = new Promise((resolve) =>
      this.child.once('close', () => {
        running.delete(this);
        resolve();
      }),
    );
  }

  /** The client port of its connection, once connected. */
  async localPort(timeoutMs = 5_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const connected = this.lines.find((line) => typeof line['localPort'] === 'number');
      if (connected) {
        return connected['localPort'] as number;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`the peer did not connect within ${timeoutMs} ms`);
  }

  /** Freezes the process: its kernel still acknowledges TCP, the process answers nothing. */
  stop(): void {
    this.stopped = this.child.kill('SIGSTOP');
  }

  resume(): void {
    if (this.stopped) {
      this.child.kill('SIGCONT');
      this.stopped = false;
    }
  }

  /** Whether it has reported its connection closed (it can only once resumed). */
  sawClose(): boolean {
    return this.lines.some((line) => line['closed'] === true);
  }

  async kill(): Promise<void> {
    this.resume();
    this.child.kill('SIGKILL');
    await this.exited;
  }
}

/** Resumes and kills every peer still running; for afterEach. */
export async function killPeers(): Promise<void> {
  await Promise.all([...running].map((peer) => peer.kill()));
}
