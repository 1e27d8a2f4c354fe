import { Code } from '@connectrpc/connect';
import { sleep } from '@protomesh/runtime';
import * as http2 from 'node:http2';
import {
  codeOf,
  grpcFrame,
  GrpcJsClient,
  type Loopback,
  loopbackServerOptions,
  SAY_HELLO_PATH,
  serveOnLoopback,
} from '@protomesh/testing';
import { createGrpcServer, type GrpcServer } from './grpc-server.js';

const HANDLER_MS = 300;
const IN_FLIGHT = 5;

/** Counts calls reaching the handler; `reached(n)` resolves once n have. */
function arrivals() {
  let count = 0;
  const waiters: { n: number; resolve: () => void }[] = [];
  return {
    get count() {
      return count;
    },
    arrive() {
      count++;
      waiters.filter((w) => w.n <= count).forEach((w) => w.resolve());
    },
    reached(n: number) {
      return new Promise<void>((resolve) => (n <= count ? resolve() : waiters.push({ n, resolve })));
    },
  };
}

function rawStream(session: http2.ClientHttp2Session): http2.ClientHttp2Stream {
  return session.request({
    ':method': 'POST',
    ':path': SAY_HELLO_PATH,
    'content-type': 'application/grpc',
    te: 'trailers',
  });
}

describe('drain', () => {
  let loopback: Loopback<GrpcServer>;
  let calls: ReturnType<typeof arrivals>;
  let handlersAborted: number;

  beforeEach(async () => {
    calls = arrivals();
    handlersAborted = 0;
    loopback = await serveOnLoopback(
      createGrpcServer(
        loopbackServerOptions({
          sayHello: async (request, context) => {
            calls.arrive();
            await sleep(request.name === 'slow' ? 10_000 : HANDLER_MS, context.signal).catch((reason: unknown) => {
              handlersAborted++;
              throw reason;
            });
            return { message: `done ${request.name}` };
          },
        }),
      ),
    );
  });

  afterEach(async () => {
    await loopback.close();
  });

  it('lets every call in flight finish OK and resolves drained', async () => {
    const inFlight = Array.from({ length: IN_FLIGHT }, (_, i) => loopback.greeter.sayHello({ name: String(i) }));
    await calls.reached(IN_FLIGHT);

    const drained = loopback.server.drain(5_000);

    const responses = await Promise.all(inFlight);
    expect(responses.map((r) => r.message)).toEqual(Array.from({ length: IN_FLIGHT }, (_, i) => `done ${i}`));
    expect(handlersAborted).toBe(0);
    await expect(drained).resolves.toBe('drained');
  });

  it('fails a new call with UNAVAILABLE once the drain has started, as a standard gRPC client sees it', async () => {
    const peer = new GrpcJsClient(`127.0.0.1:${loopback.port}`);
    try {
      // Warm up so the new call goes to the connection the drain sends GOAWAY on.
      expect(await peer.sayHello('warm-up', 5_000)).toMatchObject({ code: 0, value: { message: 'done warm-up' } });
      const inFlight = loopback.greeter.sayHello({ name: 'in-flight' });
      await calls.reached(2);

      const drained = loopback.server.drain(5_000);
      const late = await peer.sayHello('late', 5_000);

      expect(late.code).toBe(Code.Unavailable);
      expect((await inFlight).message).toBe('done in-flight');
      expect(calls.count).toBe(2);
      await expect(drained).resolves.toBe('drained');
    } finally {
      peer.close();
    }
  });

  it('sends GOAWAY to an open connection and refuses streams opened after it, unprocessed', async () => {
    const session = http2.connect(loopback.url);
    try {
      const goaway = new Promise<number>((resolve) => session.once('goaway', (errorCode) => resolve(errorCode)));
      const first = rawStream(session);
      const trailers = new Promise<http2.IncomingHttpHeaders>((resolve) => first.once('trailers', resolve));
      first.resume();
      first.end(grpcFrame(new Uint8Array()));
      await calls.reached(1);

      const drained = loopback.server.drain(5_000);
      // Sent before the client can have read the GOAWAY, so it reaches the server.
      const late = rawStream(session);
      const lateClosed = new Promise<number>((resolve) => late.once('close', () => resolve(late.rstCode ?? -1)));
      late.on('error', () => undefined);
      late.end(grpcFrame(new Uint8Array()));

      expect(await goaway).toBe(http2.constants.NGHTTP2_NO_ERROR);
      // REFUSED_STREAM promises the stream was not processed; gRPC clients
      // report it as UNAVAILABLE (grpc PROTOCOL-HTTP2.md) and may retry it.
      expect(await lateClosed).toBe(http2.constants.NGHTTP2_REFUSED_STREAM);
      expect((await trailers)['grpc-status']).toBe('0');
      expect(calls.count).toBe(1);
      session.close();
      await expect(drained).resolves.toBe('drained');
    } finally {
      session.destroy();
    }
  });

  it('is not held up by a call answered before its request ended (a message over the limit)', async () => {
    const session = http2.connect(loopback.url);
    session.on('error', () => undefined);
    try {
      const oversized = rawStream(session);
      oversized.on('error', () => undefined);
      const status = new Promise<unknown>((resolve) => {
        oversized.once('response', (headers) => resolve(headers['grpc-status']));
        oversized.once('trailers', (trailers) => resolve(trailers['grpc-status']));
      });
      oversized.resume();
      // Announces more than the 4 MiB cap and never finishes sending it.
      oversized.write(grpcFrame(new Uint8Array(16), 0, 64 * 1024 * 1024));
      expect(await status).toBe(String(Code.ResourceExhausted));

      const started = Date.now();
      await expect(loopback.server.drain(5_000)).resolves.toBe('drained');
      expect(Date.now() - started).toBeLessThan(2_500);
    } finally {
      session.destroy();
    }
  });

  it('cuts off a call that outlives the timeout, aborts its handler, and resolves forced', async () => {
    const slow = codeOf(loopback.greeter.sayHello({ name: 'slow' }));
    await calls.reached(1);

    const started = Date.now();
    await expect(loopback.server.drain(200)).resolves.toBe('forced');
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await slow).not.toBe('OK');
    expect(handlersAborted).toBe(1);
  });

  it('ends a drain at once on force()', async () => {
    const slow = codeOf(loopback.greeter.sayHello({ name: 'slow' }));
    await calls.reached(1);

    const drained = loopback.server.drain(60_000);
    loopback.server.force();
    await expect(drained).resolves.toBe('forced');
    expect(await slow).not.toBe('OK');
  });
});
