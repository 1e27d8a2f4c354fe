import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Clock ticks on one CPU and in one process, read from /proc at one moment. */
export interface CpuSample {
  /** Ticks the CPU spent busy (anything but idle and iowait). */
  cpuBusy: number;
  cpuTotal: number;
  /** Ticks the process spent on any CPU (user + system, all threads). */
  processTicks: number;
}

export interface CpuUsage {
  /** CPU time the server used, milliseconds. */
  serverMs: number;
  /** Share of the CPU's time taken by anything but the server, percent; only meaningful when the server is pinned to it. */
  othersPercent: number;
}

/** Busy and total ticks of `cpuN` in /proc/stat, or undefined when that CPU is not listed. */
export function parseCpuTicks(procStat: string, cpu: number): { busy: number; total: number } | undefined {
  const line = procStat.split('\n').find((candidate) => candidate.startsWith(`cpu${cpu} `));
  if (line === undefined) {
    return undefined;
  }
  // user nice system idle iowait irq softirq steal (guest time is already inside user and nice)
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const busy = user + nice + system + irq + softirq + (steal || 0);
  return { busy, total: busy + idle + iowait };
}

/** utime + stime of a /proc/<pid>/stat line. */
export function parseProcessTicks(pidStat: string): number {
  // The command name (field 2) may contain spaces and parentheses: count fields from its closing one.
  const fields = pidStat.slice(pidStat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/** Reads a sample, or undefined where /proc is unavailable (not Linux) or the process is gone. */
export function sampleCpu(pid: number, cpu: number): CpuSample | undefined {
  try {
    const ticks = parseCpuTicks(readFileSync('/proc/stat', 'utf8'), cpu);
    const processTicks = parseProcessTicks(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    return ticks && { cpuBusy: ticks.busy, cpuTotal: ticks.total, processTicks };
  } catch {
    return undefined;
  }
}

export function cpuUsage(before: CpuSample, after: CpuSample, ticksPerSecond: number): CpuUsage {
  const processTicks = after.processTicks - before.processTicks;
  const othersTicks = Math.max(0, after.cpuBusy - before.cpuBusy - processTicks);
  const totalTicks = after.cpuTotal - before.cpuTotal;
  return {
    serverMs: (processTicks * 1000) / ticksPerSecond,
    othersPercent: totalTicks > 0 ? (othersTicks * 100) / totalTicks : 0,
  };
}

/** The kernel's USER_HZ (100 on every mainstream Linux build). */
export function clockTicksPerSecond(): number {
  const answer = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  const ticks = Number(answer.stdout?.trim());
  return answer.status === 0 && ticks > 0 ? ticks : 100;
}
