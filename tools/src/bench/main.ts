/**
 * `npm run bench`: in one run, the protomesh server bundle (production
 * configuration, unary fast path on and off), a plain grpc-js server and a
 * canned node:http2 responder, each under h2load and ghz, every figure
 * checked to be real gRPC OKs. Options: options.ts; docs/benchmarks.md.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { runMain } from '@protomesh/runtime';
import { killAll } from '@protomesh/testing';
import { detectPinning } from './cpu.js';
import { ghzLoad } from './ghz.js';
import { h2loadLoad } from './h2load.js';
import { measure, type Window } from './measure.js';
import { readBenchOptions } from './options.js';
import { formatReport, isValid, type Result } from './report.js';
import { combineWindows } from './rounds.js';
import { SERVERS, type ServerId, startBenchServer } from './servers.js';

const log = (line: string) => process.stderr.write(`${line}\n`);
const loadAverage = () =>
  `load average ${loadavg()
    .map((n) => n.toFixed(2))
    .join(' ')}`;

runMain(async () => {
  const ids = Object.keys(SERVERS) as ServerId[];
  const options = readBenchOptions(process.argv.slice(2), process.env, ids.length);
  const h2load = spawnSync('h2load', ['--version'], { encoding: 'utf8' });
  if (h2load.status !== 0) {
    throw new Error('h2load not found: install it (Debian/Ubuntu: apt-get install nghttp2-client)');
  }
  const pinning = detectPinning();
  const dir = mkdtempSync(join(tmpdir(), 'protomesh-bench-'));
  process.once('exit', () => {
    void killAll(); // its SIGKILLs go out at once
    rmSync(dir, { recursive: true, force: true });
  });
  setTimeout(() => {
    log(`bench: stopped after the ${options.timeoutMs} ms limit (--timeout)`);
    process.exit(1);
  }, options.timeoutMs).unref();
  const loads = [
    ...options.streams.map((streams) => h2loadLoad({ ...options, streams }, pinning.load, dir)),
    ghzLoad(options.durationMs, pinning.load),
  ];
  log(`node ${process.version}, ${h2load.stdout.trim()}, ghz v0.121.0, ${cpus().length} × ${cpus()[0]?.model}`);
  log(`${pinning.note}\nbefore: ${loadAverage()}`);
  // Every round starts the servers afresh: each Node process settles into its own JIT and GC
  // state (one grpc-js process took 37 µs of CPU per call, another 64 µs, same load, same hour),
  // and within a round the servers take turns, so neither a process's luck nor the machine's
  // drift decides a ratio alone.
  const windows = loads.map(() => ids.map((): Window[] => []));
  for (let round = 1; round <= options.rounds; round++) {
    const servers = [];
    for (const id of ids) {
      servers.push(await startBenchServer(id, pinning.serverCpu));
    }
    for (const [l, load] of loads.entries()) {
      if (round > load.rounds) {
        continue;
      }
      for (const [s, server] of servers.entries()) {
        const window = await measure(server, load, pinning.serverCpu);
        windows[l][s].push(window);
        const status = `${Math.round(window.rps)} req/s ${isValid(window) ? 'OK' : 'INVALID'}`;
        log(`round ${round}/${options.rounds} ${load.name} ${server.id}: ${status}`);
      }
    }
    await killAll();
  }
  const results: Result[] = windows.flatMap((byServer) => byServer.map(combineWindows));
  log(`after: ${loadAverage()}`);
  const legend = ids.map((id) => `- \`${id}\`: ${SERVERS[id]}`).join('\n');
  const plan = `h2load: ${options.rounds} rounds of ${options.durationMs / 1000} s per server, servers started afresh each round`;
  process.stdout.write(`${pinning.note}; ${plan}\n\n${legend}\n\n${formatReport(results)}\n`);
  if (!results.every(isValid)) {
    log('bench: some figures are INVALID (see above)');
    process.exitCode = 1;
  }
});
