import { execFile, execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import type { Load } from './measure.js';
import { ghzOutcome } from './verify.js';

const ROOT = resolve(__dirname, '../../..');

/**
 * ghz v0.121.0 (go-tool.sh builds it; throws its reason when it cannot),
 * 4 connections, 50 calls at a time. `--duration-stop wait`: with the default
 * (`close`) ghz closes its connections at the deadline and reports the
 * calls in flight as UNAVAILABLE, whatever the server.
 */
export function ghzLoad(durationMs: number, prefix: readonly string[]): Load {
  const ghz = execFileSync(`${ROOT}/tools/scripts/go-tool.sh`, ['ghz'], { encoding: 'utf8' }).trim();
  const [command, ...args] = [
    ...[...prefix, ghz, '--insecure', '--proto', 'proto/greeter/v1/greeter.proto', '-d', '{"name":"bench"}'],
    ...['--call', 'greeter.v1.GreeterService/SayHello', '-c', '50', '--connections', '4', '-z', `${durationMs}ms`],
    ...['--duration-stop', 'wait', '-O', 'json'],
  ];
  const options = { cwd: ROOT, timeout: durationMs + 30e3, maxBuffer: 64 << 20 };
  return {
    name: 'ghz 4 × 50',
    rounds: 1, // the check that every status is OK, in the first round; the h2load loads carry the comparison
    warmUp: () => Promise.resolve(), // the h2load loads before it have warmed the servers up
    async run(port) {
      return ghzOutcome(parseGhz((await promisify(execFile)(command, [...args, `127.0.0.1:${port}`], options)).stdout));
    },
  };
}

/** Rate, count, p50/p99 (µs) and calls by gRPC status from ghz's JSON report. */
export function parseGhz(json: string) {
  const report = JSON.parse(json) as {
    count: number;
    rps: number;
    latencyDistribution: { percentage: number; latency: number }[] | null;
    statusCodeDistribution: Record<string, number> | null;
  };
  const us = (p: number) => report.latencyDistribution?.find((entry) => entry.percentage === p)?.latency;
  const [p50Us, p99Us] = [us(50), us(99)].map((ns) => (ns === undefined ? undefined : ns / 1000));
  return { count: report.count, rps: report.rps, p50Us, p99Us, statuses: report.statusCodeDistribution ?? {} };
}
