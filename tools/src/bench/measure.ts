import { setTimeout as delay } from 'node:timers/promises';
import { cpuUsage, sampleCpu } from './cpu.js';
import type { Result } from './report.js';
import type { BenchServer } from './servers.js';
import { miscount, type LoadOutcome } from './verify.js';

/** A load generator, run against a server's port. */
export interface Load {
  name: string;
  /** Rounds it runs in (the first ones), one window per server each (see rounds.ts). */
  rounds: number;
  warmUp(port: number): Promise<unknown>;
  run(port: number): Promise<LoadOutcome>;
}

/** One server under one load for one window: its figures, and what windows are combined from. */
export interface Window extends Result {
  calls: number;
  /** Time under load, from the tool's own rate. */
  seconds: number;
  /** The server's CPU time over the window. */
  processUs?: number;
  latenciesUs?: readonly number[];
}

/**
 * The warm-up; a pause until the server is idle (no warm-up call may land in
 * the run); the run, with the server's CPU time from /proc around it; then,
 * once idle again, the server's own OK count over the run.
 */
export async function measure(server: BenchServer, load: Load, cpu: number | undefined): Promise<Window> {
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
    const { rps, calls } = outcome;
    return {
      ...names,
      rps,
      calls,
      seconds: rps > 0 ? calls / rps : 0,
      p50Us: outcome.p50Us,
      p99Us: outcome.p99Us,
      latenciesUs: outcome.latenciesUs,
      processUs: usage?.processUs,
      othersPercent: cpu === undefined ? undefined : usage?.othersPercent,
      problems,
    };
  } catch (err) {
    return { ...names, rps: 0, calls: 0, seconds: 0, problems: [err instanceof Error ? err.message : String(err)] };
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
