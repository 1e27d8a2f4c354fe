import { setTimeout as delay } from 'node:timers/promises';
import { cpuUsage, sampleCpu } from './cpu.js';
import type { Result } from './report.js';
import type { BenchServer } from './servers.js';
import { miscount, type LoadOutcome } from './verify.js';

/** A load generator, run against a server's port. */
export interface Load {
  name: string;
  warmUp(port: number): Promise<unknown>;
  run(port: number): Promise<LoadOutcome>;
}

/**
 * The warm-up; a pause until the server is idle (no warm-up call may land in
 * the run); the run, with the server's CPU time from /proc around it; then,
 * once idle again, the server's own OK count over the run.
 */
export async function measure(server: BenchServer, load: Load, cpu: number | undefined): Promise<Result> {
  const names = { server: server.id, load: load.name };
  try {
    await load.warmUp(server.port);
    const okBefore = await settle(server);
    const before = sampleCpu(server.pid, cpu ?? 0);
    const outcome = await load.run(server.port);
    const after = sampleCpu(server.pid, cpu ?? 0);
    const ok = (await settle(server)) - okBefore;
    const usage = before && after && outcome.calls > 0 ? cpuUsage(before, after) : undefined;
    const problems = [...outcome.problems, ...miscount(outcome, ok)];
    const othersPercent = cpu === undefined ? undefined : usage?.othersPercent;
    return { ...outcome, ...names, cpuUsPerCall: usage && usage.processUs / outcome.calls, othersPercent, problems };
  } catch (err) {
    return { ...names, rps: 0, problems: [err instanceof Error ? err.message : String(err)] };
  }
}

/** Waits until the server's OK count stops moving (at most 5 s more); returns it. */
async function settle(server: BenchServer): Promise<number> {
  await delay(250);
  let count = await server.okCount();
  for (let previous = -1, polls = 0; count !== previous && polls < 50; polls++) {
    await delay(100);
    [previous, count] = [count, await server.okCount()];
  }
  return count;
}
