import { BundleProcess, metricsUrl, parseExposition, SERVER_BUNDLE } from '@protomesh/testing';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { pinProcess } from './cpu.js';
import { RESPONSE_FRAME } from './h2load.js';

/** The servers measured, in report order. */
export const SERVERS = {
  fast: 'protomesh server bundle, production configuration, UNARY_FAST_PATH=on',
  slow: 'protomesh server bundle, production configuration, UNARY_FAST_PATH=off',
  'grpc-js': '@grpc/grpc-js server, library defaults (comparison-server.ts)',
  raw: 'raw node:http2 canned response, the Node ceiling (comparison-server.ts)',
} as const;
export type ServerId = keyof typeof SERVERS;
export type BenchServer = Awaited<ReturnType<typeof startBenchServer>>;

/** dist/apps/server/main.js as deployed: telemetry, metrics (on a free port), call log at info, error mapping. */
const PRODUCTION = { HOST: '127.0.0.1', PORT: '0', METRICS_PORT: '0', LOG_LEVEL: 'info', POD_NAME: 'bench' };
const COMPARISON = resolve(__dirname, 'comparison-server.ts');
const TSX = `--import ${pathToFileURL(require.resolve('tsx')).href}`;

/** Starts a server on the Node the images ship, pins it to `cpu` if given, and reads its port. */
export async function startBenchServer(id: ServerId, cpu: number | undefined) {
  const bundle = id === 'fast' || id === 'slow';
  const child = bundle
    ? new BundleProcess(SERVER_BUNDLE, { ...PRODUCTION, UNARY_FAST_PATH: id === 'fast' ? 'on' : 'off' })
    : new BundleProcess(COMPARISON, { KIND: id, RESPONSE: RESPONSE_FRAME.toString('base64'), NODE_OPTIONS: TSX });
  const { address } = await child.waitForLine((line) => line.msg === 'greeter server listening', 15_000);
  if (cpu !== undefined && !pinProcess(child.pid, cpu)) {
    throw new Error(`${id}: taskset could not pin process ${child.pid} to CPU ${cpu}`);
  }
  const metrics = bundle ? await metricsUrl(child) : undefined;
  return {
    id,
    pid: child.pid,
    port: Number(String(address).split(':').pop()),
    /** OK responses so far: the bundle's production metric, or the comparison server's own count. */
    okCount: () => (metrics ? scrapeOkCount(metrics) : askOkCount(child)),
  };
}

async function scrapeOkCount(url: URL): Promise<number> {
  return parseExposition(await (await fetch(url)).text())
    .filter((s) => s.name === 'rpc_server_call_duration_seconds_count' && s.labels['rpc_status_code'] === 'OK')
    .reduce((sum, s) => sum + (s.labels['rpc_method'] === 'greeter.v1.GreeterService/SayHello' ? s.value : 0), 0);
}

async function askOkCount(child: BundleProcess): Promise<number> {
  const from = child.lines.length;
  child.signal('SIGUSR2');
  return Number((await child.waitForLine((line) => line.msg === 'ok count', 5_000, from)).count);
}
