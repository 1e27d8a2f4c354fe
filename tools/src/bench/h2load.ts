import { create, toBinary } from '@bufbuild/protobuf';
import { SayHelloRequestSchema, SayHelloResponseSchema } from '@protomesh/proto/greeter/v1';
import { grpcFrame } from '@protomesh/testing';
import { execFile } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Load } from './measure.js';
import { sum } from './percentiles.js';
import { h2loadOutcome } from './verify.js';

/** The request h2load sends, and the DATA payload of every OK answer: what its byte count is checked against. */
export const REQUEST_FRAME = grpcFrame(
  toBinary(SayHelloRequestSchema, create(SayHelloRequestSchema, { name: 'bench' })),
);
export const RESPONSE_FRAME = grpcFrame(
  toBinary(SayHelloResponseSchema, create(SayHelloResponseSchema, { message: 'Hello, bench!' })),
);

type H2loadOptions = { connections: number; streams: number; durationMs: number; warmupMs: number; rounds: number };

/** SayHello over `connections` × `streams`, in `rounds` windows after a warm-up of the same load; `prefix` pins h2load. */
export function h2loadLoad(o: H2loadOptions, prefix: readonly string[], dir: string): Load {
  const [body, log] = [join(dir, 'request.bin'), join(dir, 'requests.tsv')];
  const h2load = async (port: number, durationMs: number, ...extra: string[]) => {
    await writeFile(body, REQUEST_FRAME);
    const [command, ...args] = [...prefix, 'h2load', '-c', `${o.connections}`, '-m', `${o.streams}`, '-t', '1'];
    const grpc = ['-D', `${durationMs}ms`, '-d', body, '-H', 'content-type: application/grpc', '-H', 'te: trailers'];
    const url = `http://127.0.0.1:${port}/greeter.v1.GreeterService/SayHello`;
    const run = await promisify(execFile)(command, [...args, ...grpc, ...extra, url], { timeout: durationMs + 15e3 });
    return run.stdout;
  };
  return {
    name: `h2load ${o.connections} × ${o.streams}`,
    rounds: o.rounds,
    warmUp: (port) => (o.warmupMs > 0 ? h2load(port, o.warmupMs) : Promise.resolve()),
    async run(port) {
      await rm(log, { force: true });
      const summary = parseH2loadOutput(await h2load(port, o.durationMs, '--log-file', log));
      return h2loadOutcome({ ...summary, ...parseH2loadLog(await readFile(log, 'utf8')) }, RESPONSE_FRAME.length);
    },
  };
}

export type H2loadRun = ReturnType<typeof parseH2loadOutput> & ReturnType<typeof parseH2loadLog>;

function numbers(text: string, pattern: RegExp, what: string): number[] {
  const found = pattern.exec(text);
  if (!found) {
    throw new Error(`h2load output has no ${what} line`);
  }
  return found.slice(1).map(Number);
}

/** The summary h2load prints; throws naming the first line it lacks. */
export function parseH2loadOutput(text: string) {
  const [rps] = numbers(text, /^finished in [0-9.]+(?:us|ms|s), ([0-9.]+) req\/s/m, 'finished');
  const [started, done, ...failures] = numbers(
    text,
    /^requests: \d+ total, (\d+) started, (\d+) done, \d+ succeeded, (\d+) failed, (\d+) errored, (\d+) timeout/m,
    'requests',
  );
  const [ok2xx, ...nonOk] = numbers(text, /^status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx/m, 'status codes');
  const [dataBytes] = numbers(text, /^traffic: .*\((\d+)\) data$/m, 'traffic');
  return { rps, started, done, failures: sum(failures), ok2xx, nonOk: sum(nonOk), dataBytes };
}

/** h2load's --log-file: start (µs since epoch), HTTP status (-1: failed stream), duration (µs), tab-separated. */
export function parseH2loadLog(text: string) {
  const latenciesUs: number[] = [];
  let otherRecords = 0;
  for (const line of text.split('\n').filter(Boolean)) {
    const [, status, elapsed] = line.split('\t');
    if (elapsed === undefined || !Number.isFinite(Number(elapsed))) {
      throw new Error(`h2load log line is not "start<TAB>status<TAB>microseconds": ${JSON.stringify(line)}`);
    }
    if (status === '200') {
      latenciesUs.push(Number(elapsed));
    } else {
      otherRecords++;
    }
  }
  return { latenciesUs, otherRecords };
}
