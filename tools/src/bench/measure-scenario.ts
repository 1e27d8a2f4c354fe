import { setTimeout as delay } from 'node:timers/promises';
import { cpuUsage, sampleCpu, type CpuSample } from './cpu-accounting.js';
import { runH2load, warmUp, type LoadResult, type LoadSpec } from './h2load-runner.js';
import { summarizeLatencies } from './percentiles.js';
import type { ScenarioResult } from './report.js';
import type { RunningServer } from './server-process.js';
import { verifyRun } from './verify-run.js';

export interface ScenarioSpec {
  load: Omit<LoadSpec, 'url'>;
  warmupMs: number;
  /** Where h2load writes its per-request records. */
  logFile: string;
  responseFrameBytes: number;
  /** The CPU the server is pinned to, if it is: what else ran there is reported. */
  serverCpu?: number;
  /** USER_HZ, for /proc tick counts. */
  ticksPerSecond: number;
}

/**
 * After the warm-up, a server may still be working through requests h2load
 * sent before it disconnected; they must not count in the measured run. Wait
 * at least this long, and until the server's OK count stops moving.
 */
const SETTLE_MS = 250;
const SETTLE_POLL_MS = 100;
const SETTLE_MAX_MS = 5_000;

/** Warms a server up, measures it under one load and checks that every response was a real gRPC OK. */
export async function measureScenario(server: RunningServer, spec: ScenarioSpec): Promise<ScenarioResult> {
  const load: LoadSpec = { ...spec.load, url: `http://127.0.0.1:${server.port}/greeter.v1.GreeterService/SayHello` };
  const base = { serverId: server.spec.id, connections: load.connections, streams: load.streams };
  let result: LoadResult;
  let okBefore: number | undefined;
  let cpuBefore: CpuSample | undefined;
  try {
    if (spec.warmupMs > 0) {
      await warmUp({ ...load, durationMs: spec.warmupMs });
    }
    okBefore = await settle(server);
    cpuBefore = sampleCpu(server.pid, spec.serverCpu ?? 0);
    result = await runH2load(load, spec.logFile);
  } catch (err) {
    return { ...base, requestsPerSecond: 0, problems: [messageOf(err)] };
  }
  const cpuAfter = sampleCpu(server.pid, spec.serverCpu ?? 0);
  const cpu = cpuBefore && cpuAfter && cpuUsage(cpuBefore, cpuAfter, spec.ticksPerSecond);
  const { done } = result.summary.requests;
  const problems: string[] = [];
  const okAfter = await server.okCount().catch((err: unknown) => {
    problems.push(`server did not report its OK count: ${messageOf(err)}`);
    return undefined;
  });
  problems.push(
    ...verifyRun({
      ...result,
      responseFrameBytes: spec.responseFrameBytes,
      serverOkResponses: okBefore === undefined || okAfter === undefined ? undefined : okAfter - okBefore,
      serverLogLines: server.takeLogLines(),
    }),
  );
  const exit = server.exitReason();
  if (exit !== undefined) {
    problems.push(`server ${exit}`);
  }
  const { latenciesUs } = result.log;
  return {
    ...base,
    requestsPerSecond: result.summary.requestsPerSecond,
    latency: latenciesUs.length > 0 ? summarizeLatencies(latenciesUs) : undefined,
    serverCpuUsPerCall: cpu && done > 0 ? (cpu.serverMs * 1000) / done : undefined,
    othersPercent: cpu && spec.serverCpu !== undefined ? cpu.othersPercent : undefined,
    problems,
  };
}

/** Waits until the server is idle; resolves to its OK count then (undefined if it keeps none). */
async function settle(server: RunningServer): Promise<number | undefined> {
  await delay(SETTLE_MS);
  const deadline = Date.now() + SETTLE_MAX_MS;
  let count = await server.okCount();
  while (count !== undefined && Date.now() < deadline) {
    await delay(SETTLE_POLL_MS);
    const next = await server.okCount();
    if (next === count) {
      break;
    }
    count = next;
  }
  return count;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
