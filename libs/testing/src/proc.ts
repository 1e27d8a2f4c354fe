import { readFileSync } from 'node:fs';

/**
 * What Linux's /proc says about a server under test: its resident memory and
 * its TCP connections, read from outside the process, so the figures hold
 * for any implementation and cost the server nothing.
 */

/** TCP states as /proc/net/tcp numbers them. */
const ESTABLISHED = '01';

export interface TcpSocket {
  readonly localPort: number;
  readonly remotePort: number;
  /** `01` ESTABLISHED, `0A` LISTEN, … (include/net/tcp_states.h). */
  readonly state: string;
  readonly inode: string;
}

/** The IPv4 and IPv6 TCP sockets of this network namespace. */
export function tcpSockets(): TcpSocket[] {
  return ['/proc/net/tcp', '/proc/net/tcp6'].flatMap((file) => {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return [];
    }
    return text
      .split('\n')
      .slice(1)
      .filter((line) => line.trim() !== '')
      .map((line) => {
        const fields = line.trim().split(/\s+/);
        const port = (address: string) => parseInt(address.slice(address.lastIndexOf(':') + 1), 16);
        return { localPort: port(fields[1]), remotePort: port(fields[2]), state: fields[3], inode: fields[9] };
      });
  });
}

/** The client ports of the established connections to the server at `port` (its side of each). */
export function establishedClientPorts(port: number): number[] {
  return tcpSockets()
    .filter((socket) => socket.localPort === port && socket.state === ESTABLISHED)
    .map((socket) => socket.remotePort);
}

/** A process's resident set size in bytes (VmRSS of /proc/<pid>/status). */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1];
  if (kib === undefined) {
    throw new Error(`no VmRSS for process ${pid}`);
  }
  return Number(kib) * 1024;
}

/** Why the /proc readers cannot work here, or undefined on Linux. */
export function procMissing(): string | undefined {
  return process.platform === 'linux' ? undefined : `reads Linux's /proc, not available on ${process.platform}`;
}
