import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';

/** Command prefixes that keep the servers and the load generator off each other's CPU. */
export interface CpuPinning {
  server: string[];
  /** The CPU the servers are pinned to, if they are. */
  serverCpu?: number;
  load: string[];
  description: string;
}

/** Servers on CPU 0 and h2load on CPU 1 when taskset exists and two CPUs are available. */
export function detectCpuPinning(): CpuPinning {
  const cpus = availableParallelism();
  const taskset = spawnSync('taskset', ['--version'], { stdio: 'ignore' }).status === 0;
  if (!taskset || cpus < 2) {
    const why = taskset ? `only ${cpus} CPU available` : 'taskset not found';
    return { server: [], load: [], description: `not pinned (${why}): servers and h2load share the CPUs` };
  }
  return {
    server: ['taskset', '-c', '0'],
    serverCpu: 0,
    load: ['taskset', '-c', '1'],
    description: 'servers pinned to CPU 0, h2load to CPU 1 (taskset)',
  };
}

/** The command and arguments to spawn for `command args` behind a pinning prefix. */
export function pinned(prefix: readonly string[], command: string, args: readonly string[]): [string, string[]] {
  const [first, ...rest] = [...prefix, command, ...args];
  return [first, rest];
}
