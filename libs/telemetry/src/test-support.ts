// Shared by the specs only: excluded from tsconfig.lib.json, so it never ships.
import { type ConnectRouter, type Interceptor, type Transport } from '@connectrpc/connect';
import { connectNodeAdapter, createGrpcTransport, Http2SessionManager } from '@connectrpc/connect-node';
import * as http2 from 'node:http2';
import type { AddressInfo } from 'node:net';

export interface LoopbackServer {
  readonly url: string;
  close(): Promise<void>;
}

/** A gRPC-only Connect server on 127.0.0.1 at a free port. */
export async function startLoopbackServer(
  routes: (router: ConnectRouter) => void,
  interceptors: Interceptor[],
): Promise<LoopbackServer> {
  const handler = connectNodeAdapter({ grpc: true, grpcWeb: false, connect: false, routes, interceptors });
  const server = http2.createServer(handler);
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        sessions.forEach((session) => session.destroy());
      }),
  };
}

export interface LoopbackTransport {
  readonly transport: Transport;
  close(): void;
}

/** A gRPC transport on one HTTP/2 connection that the test can close. */
export function loopbackTransport(url: string, interceptors: Interceptor[]): LoopbackTransport {
  const sessionManager = new Http2SessionManager(url);
  return {
    transport: createGrpcTransport({ baseUrl: url, sessionManager, interceptors }),
    close: () => sessionManager.abort(),
  };
}

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** Reads the samples of a Prometheus text exposition (label values without escapes). */
export function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match === null) {
      continue;
    }
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="([^"]*)"/g)) {
      labels[key] = value;
    }
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return samples;
}

/** The value of the sample with exactly this name and label set, if present. */
export function sampleValue(samples: Sample[], name: string, labels: Record<string, string>): number | undefined {
  const wanted = JSON.stringify(Object.entries(labels).sort());
  return samples.find((s) => s.name === name && JSON.stringify(Object.entries(s.labels).sort()) === wanted)?.value;
}
