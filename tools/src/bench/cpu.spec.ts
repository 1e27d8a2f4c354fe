import { cpuUsage, parseCpuTicks, parseProcessTicks } from './cpu.js';

// Shapes as the kernel prints them (Linux 6.x).
const PROC_STAT = `cpu  112705 0 50302 337155 668 0 1784 0 0 0
cpu0 56080 0 23768 170305 117 0 968 0 0 0
cpu1 56625 0 26533 166850 551 0 816 12 0 0
intr 1234 0 0
`;

describe('parseCpuTicks', () => {
  it('sums busy ticks and leaves idle and iowait out', () => {
    expect(parseCpuTicks(PROC_STAT, 0)).toEqual({
      busy: 56080 + 23768 + 968,
      total: 56080 + 23768 + 968 + 170305 + 117,
    });
    expect(parseCpuTicks(PROC_STAT, 1)?.busy).toBe(56625 + 26533 + 816 + 12);
  });

  it('does not mistake cpu1 for cpu10, nor the aggregate line for a CPU', () => {
    expect(parseCpuTicks(PROC_STAT, 2)).toBeUndefined();
    expect(parseCpuTicks('cpu10 1 0 1 1 0 0 0 0 0 0\n', 1)).toBeUndefined();
  });
});

describe('parseProcessTicks', () => {
  it('adds utime and stime', () => {
    const line = '31617 (node) R 31614 31614 10638 0 -1 4194304 98 0 0 0 250 40 0 0 20 0 11 0 251986 3133440 410';
    expect(parseProcessTicks(line)).toBe(290);
  });

  it('copes with spaces and parentheses in the command name', () => {
    const line = '42 (my (odd) name) S 1 42 42 0 -1 4194304 98 0 0 0 7 3 0 0 20 0 1 0 251986 3133440 410';
    expect(parseProcessTicks(line)).toBe(10);
  });
});

describe('cpuUsage', () => {
  it('splits the pinned CPU between the server and everything else', () => {
    const before = { cpuBusy: 1000, cpuTotal: 5000, processTicks: 200 };
    const after = { cpuBusy: 1500, cpuTotal: 5500, processTicks: 650 };
    expect(cpuUsage(before, after, 100)).toEqual({ processUs: 4_500_000, othersPercent: 10 });
  });

  it('never reports negative foreign use when tick rounding puts the process ahead of its CPU', () => {
    const before = { cpuBusy: 0, cpuTotal: 0, processTicks: 0 };
    const after = { cpuBusy: 99, cpuTotal: 100, processTicks: 100 };
    expect(cpuUsage(before, after, 100).othersPercent).toBe(0);
  });
});
