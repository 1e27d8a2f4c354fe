import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const taskset = (...args: string[]) => spawnSync('taskset', args, { stdio: 'ignore' }).status === 0;

/** Servers on CPU 0 and load generators on CPU 1 when taskset can; else nothing pinned, and the note says so. */
export function detectPinning(): { serverCpu?: number; load: string[]; note: string } {
  return taskset('-c', '0', 'true') && taskset('-c', '1', 'true')
    ? { serverCpu: 0, load: ['taskset', '-c', '1'], note: 'servers pinned to CPU 0, h2load and ghz to CPU 1 (taskset)' }
    : { load: [], note: 'NOT pinned (no taskset, or CPUs 0 and 1 not both usable): servers and load share the CPUs' };
}

/** Pins all threads of a process to one CPU (threads it starts later inherit that). */
export const pinProcess = (pid: number, cpu: number) => taskset('-a', '-p', '-c', `${cpu}`, `${pid}`);

/** Busy (all but idle and iowait) and total ticks of one CPU, and user + system ticks of one process. */
export type CpuSample = { cpuBusy: number; cpuTotal: number; processTicks: number };

export function parseCpuTicks(procStat: string, cpu: number): { busy: number; total: number } | undefined {
  const line = procStat.split('\n').find((candidate) => candidate.startsWith(`cpu${cpu} `));
  const [user, nice, system, idle, iowait, irq, softirq, steal] = `${line}`.split(/\s+/).slice(1, 9).map(Number);
  const busy = user + nice + system + irq + softirq + (steal || 0);
  return line === undefined ? undefined : { busy, total: busy + idle + iowait };
}

/** utime + stime from /proc/<pid>/stat, counting fields after the command name (which may hold spaces). */
export function parseProcessTicks(pidStat: string): number {
  const fields = pidStat.slice(pidStat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/** A sample, or undefined without /proc (not Linux) or once the process is gone. */
export function sampleCpu(pid: number, cpu: number): CpuSample | undefined {
  try {
    const ticks = parseCpuTicks(readFileSync('/proc/stat', 'utf8'), cpu);
    const processTicks = parseProcessTicks(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    return ticks && { cpuBusy: ticks.busy, cpuTotal: ticks.total, processTicks };
  } catch {
    return undefined;
  }
}

const USER_HZ = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim()) || 100;

/** The process's CPU time (µs), and the share of the CPU that anything else took (percent). */
export function cpuUsage(before: CpuSample, after: CpuSample, ticksPerSecond = USER_HZ) {
  const processTicks = after.processTicks - before.processTicks;
  const others = Math.max(0, after.cpuBusy - before.cpuBusy - processTicks);
  const total = after.cpuTotal - before.cpuTotal;
  return { processUs: (processTicks * 1e6) / ticksPerSecond, othersPercent: total > 0 ? (others * 100) / total : 0 };
}
