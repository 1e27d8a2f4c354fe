import { spawn } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { trackChild } from './child-registry.js';
import { pinned } from './cpu-pinning.js';
import { parseH2loadLog, parseH2loadOutput, type H2loadLog, type H2loadSummary } from './h2load-output.js';

export interface LoadSpec {
  url: string;
  /** File holding the request body (a framed gRPC message). */
  bodyFile: string;
  connections: number;
  streams: number;
  durationMs: number;
  pinPrefix: readonly string[];
}

export interface LoadResult {
  summary: H2loadSummary;
  log: H2loadLog;
}

/** h2load gets this long past its duration to start, stop and report before it is killed. */
const OVERRUN_MS = 15_000;

const GRPC_HEADERS = ['-H', 'content-type: application/grpc', '-H', 'te: trailers'];

/** Runs h2load for durationMs and returns its summary and per-request records (logFile is overwritten). */
export async function runH2load(spec: LoadSpec, logFile: string): Promise<LoadResult> {
  await rm(logFile, { force: true });
  const output = await h2load(spec, ['--log-file', logFile]);
  return { summary: parseH2loadOutput(output), log: parseH2loadLog(await readFile(logFile, 'utf8')) };
}

/** The same load with nothing recorded: wakes the JIT, connection handling and pools before a measurement. */
export async function warmUp(spec: LoadSpec): Promise<void> {
  await h2load(spec, []);
}

function h2load(spec: LoadSpec, extra: string[]): Promise<string> {
  const args = [
    ...['-c', String(spec.connections), '-m', String(spec.streams), '-t', '1'],
    ...['-D', `${spec.durationMs}ms`, '-d', spec.bodyFile],
    ...GRPC_HEADERS,
    ...extra,
    spec.url,
  ];
  const [command, commandArgs] = pinned(spec.pinPrefix, 'h2load', args);
  const child = trackChild(spawn(command, commandArgs, { stdio: ['ignore', 'pipe', 'pipe'] }));
  const chunks: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => chunks.push(chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), spec.durationMs + OVERRUN_MS);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const output = Buffer.concat(chunks).toString('utf8');
      if (code === 0) {
        resolve(output);
      } else {
        reject(new Error(`h2load ${signal ?? `exited ${code}`}: ${output.trim().split('\n').slice(-3).join(' | ')}`));
      }
    });
  });
}
