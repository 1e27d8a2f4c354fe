/**
 * `npm run bench`: h2load against the protomesh server bundle, a grpc-js
 * server and a canned node:http2 responder, all in one run and under the same
 * loads, with p50/p99 latency and every figure checked to be real gRPC OKs.
 * Options: see USAGE in bench-options.ts.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { runMain } from '@protomesh/runtime';
import { plannedLoadMs, readBenchOptions, USAGE } from './bench-options.js';
import { benchServers, SERVER_BUNDLE } from './bench-servers.js';
import { killAllChildren } from './child-registry.js';
import { clockTicksPerSecond } from './cpu-accounting.js';
import { detectCpuPinning } from './cpu-pinning.js';
import { sayHelloRequestFrame, sayHelloResponseFrame } from './grpc-frame.js';
import { measureScenario } from './measure-scenario.js';
import { probeSayHello } from './probe.js';
import { formatReport, type ScenarioResult } from './report.js';
import { startServer, type RunningServer } from './server-process.js';

const NAME = 'bench';

runMain(async () => {
  const specs = benchServers(NAME);
  const options = readBenchOptions(process.argv.slice(2), process.env, specs.length);
  if (options === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const h2loadVersion = requireTools();
  const pinning = detectCpuPinning();
  const ticksPerSecond = clockTicksPerSecond();
  process.once('exit', killAllChildren);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => process.exit(1));
  }
  const deadline = setTimeout(() => {
    process.stderr.write(`bench: still running after the ${options.timeoutMs} ms limit (--timeout); stopped\n`);
    process.exit(1);
  }, options.timeoutMs);

  const plannedS = Math.round(plannedLoadMs(options, specs.length) / 1000);
  log(`node ${process.version}, ${h2loadVersion}, ${availableParallelism()} CPUs (${cpus()[0]?.model.trim()})`);
  log(pinning.description);
  log(
    `load: ${options.connections} connections × ${options.streams.join(', ')} streams; ` +
      `${options.durationMs} ms measured after ${options.warmupMs} ms warm-up per run; ~${plannedS} s under load`,
  );
  log(`load average before: ${formatLoad()}`);

  const workDir = await mkdtemp(join(tmpdir(), 'protomesh-bench-'));
  // On exit rather than in `finally`, so a timeout or Ctrl-C cleans up too.
  process.once('exit', () => rmSync(workDir, { recursive: true, force: true }));
  const running: RunningServer[] = [];
  const results: ScenarioResult[] = [];
  try {
    const bodyFile = join(workDir, 'request.bin');
    await writeFile(bodyFile, sayHelloRequestFrame(NAME));
    for (const spec of specs) {
      const server = await startServer(spec, pinning.server);
      running.push(server);
      const problem = await probeSayHello(server.port, NAME);
      if (problem !== undefined) {
        throw new Error(`${spec.label}: ${problem}`);
      }
    }
    // Servers take turns within each load, so drift in the machine's background load spreads over all of them.
    for (const streams of options.streams) {
      for (const server of running) {
        const result = await measureScenario(server, {
          load: {
            bodyFile,
            connections: options.connections,
            streams,
            durationMs: options.durationMs,
            pinPrefix: pinning.load,
          },
          warmupMs: options.warmupMs,
          logFile: join(workDir, 'requests.tsv'),
          responseFrameBytes: sayHelloResponseFrame(NAME).length,
          serverCpu: pinning.serverCpu,
          ticksPerSecond,
        });
        results.push(result);
        const verdict = result.problems.length === 0 ? 'OK' : `INVALID (${result.problems.join('; ')})`;
        log(
          `${server.spec.id} ${options.connections} × ${streams}: ${Math.round(result.requestsPerSecond)} req/s ${verdict}`,
        );
      }
    }
  } finally {
    clearTimeout(deadline);
    await Promise.all(running.map((server) => server.stop()));
  }
  log(`load average after: ${formatLoad()}`);
  process.stdout.write(`\n${formatReport(specs, results)}\n`);
  if (results.some((result) => result.problems.length > 0 || result.requestsPerSecond === 0)) {
    process.stderr.write('bench: some figures are INVALID (see above)\n');
    process.exitCode = 1;
  }
});

/** The h2load version; throws with the fix when h2load or the server bundle is missing. */
function requireTools(): string {
  if (!existsSync(SERVER_BUNDLE)) {
    throw new Error(`${SERVER_BUNDLE} not found: build it first (npm run bench builds it)`);
  }
  const version = spawnSync('h2load', ['--version'], { encoding: 'utf8' });
  if (version.status !== 0) {
    throw new Error('h2load not found: install it (Debian/Ubuntu: apt-get install nghttp2-client)');
  }
  return version.stdout.trim();
}

function formatLoad(): string {
  return loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');
}

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}
