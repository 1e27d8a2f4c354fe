import { createClient } from '@connectrpc/connect';
import { GreeterService } from '@protomesh/proto/greeter/v1';
import { sleep } from '@protomesh/runtime';
import { type Loopback, loopbackServerOptions, loopbackTransport, serveOnLoopback } from '@protomesh/testing';
import { once } from 'node:events';
import * as http2 from 'node:http2';
import { connect, type Socket } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import type { ConnectionPolicy } from './connection-policy.js';
import { createGrpcServer, type GrpcServer } from './grpc-server.js';
import { DEFAULT_CONNECTION_POLICY, SERVICE_DEFAULTS } from './service-config.js';

const SHORT: ConnectionPolicy = {
  handshakeTimeoutMs: 300,
  requestTimeoutMs: 300,
  keepaliveTimeMs: 1_000,
  keepaliveTimeoutMs: 300,
  maxConnectionAgeMs: 0,
  maxConnectionAgeGraceMs: 0,
};

/** Resolves with the arguments of `emitter`'s next `event` (an 'error' meanwhile is ignored); rejects after `ms`. */
function within<T extends unknown[]>(emitter: NodeJS.EventEmitter, event: string, ms: number): Promise<T> {
  return Promise.race([
    new Promise<T>((resolve) => emitter.once(event, (...args: unknown[]) => resolve(args as T))),
    delay(ms).then(() => Promise.reject(new Error(`no ${event} within ${ms} ms`))),
  ]);
}

function rawSession(url: string): http2.ClientHttp2Session {
  const session = http2.connect(url);
  session.on('error', () => undefined);
  return session;
}

const SAY_HELLO_HEADERS = {
  ':method': 'POST',
  ':path': '/greeter.v1.GreeterService/SayHello',
  'content-type': 'application/grpc',
  te: 'trailers',
};

it('takes its defaults from SERVICE_DEFAULTS', () => {
  expect(DEFAULT_CONNECTION_POLICY).toEqual({
    handshakeTimeoutMs: 10_000,
    requestTimeoutMs: 30_000,
    keepaliveTimeMs: 60_000,
    keepaliveTimeoutMs: 20_000,
    maxConnectionAgeMs: 30 * 60_000,
    maxConnectionAgeGraceMs: 60_000,
  });
  expect(SERVICE_DEFAULTS).toMatchObject({ KEEPALIVE_TIME: '1m', MAX_CONNECTION_AGE: '30m' });
});

describe.each([
  ['the unary fast path', true],
  ['connect-node', false],
])('the connection policy, with %s', (_path, unaryFastPath) => {
  let loopback: Loopback<GrpcServer> | undefined;
  const opened: { destroy(): void }[] = [];

  afterEach(async () => {
    opened.splice(0).forEach((resource) => resource.destroy());
    await loopback?.close();
    loopback = undefined;
  });

  async function serve(policy: Partial<ConnectionPolicy> = {}, handlerMs = 0): Promise<Loopback<GrpcServer>> {
    loopback = await serveOnLoopback(
      createGrpcServer(
        loopbackServerOptions({
          unaryFastPath,
          connectionPolicy: { ...SHORT, ...policy },
          sayHello: async (request, context) => {
            await sleep(handlerMs, context.signal);
            return { message: `Hello, ${request.name}!` };
          },
        }),
      ),
    );
    return loopback;
  }

  const session = (url: string) => {
    const opened_ = rawSession(url);
    opened.push(opened_);
    return opened_;
  };

  it('closes a connection that sends only part of the HTTP/2 preface, and keeps serving', async () => {
    const { port, greeter } = await serve();
    const socket: Socket = connect(port, '127.0.0.1');
    opened.push(socket);
    socket.on('error', () => undefined);
    // Reading, so that the server's FIN is seen.
    socket.resume();
    await once(socket, 'connect');
    socket.write('PRI * HTTP/2.0\r\n');
    await within(socket, 'close', 3_000);
    await expect(greeter.sayHello({ name: 'next' })).resolves.toMatchObject({ message: 'Hello, next!' });
  });

  it('resets a call whose request never arrives whole, and serves the next one on the same connection', async () => {
    const { url } = await serve();
    const client = session(url);
    const stalled = client.request(SAY_HELLO_HEADERS);
    stalled.on('error', () => undefined);
    // A length prefix announcing 9 bytes that never come.
    stalled.write(Buffer.from([0, 0, 0, 0, 9]));
    await within(stalled, 'close', 3_000);
    expect(stalled.rstCode).toBe(http2.constants.NGHTTP2_CANCEL);
    const next = client.request(SAY_HELLO_HEADERS);
    next.end(Buffer.from([0, 0, 0, 0, 3, 0x0a, 0x01, 0x78]));
    const [headers] = await within<[http2.IncomingHttpHeaders]>(next, 'response', 3_000);
    expect(headers[':status']).toBe(200);
    next.resume();
    const [trailers] = await within<[http2.IncomingHttpHeaders]>(next, 'trailers', 3_000);
    expect(trailers['grpc-status']).toBe('0');
  });

  it('lets a call whose request arrived whole run longer than the request timeout', async () => {
    const { greeter } = await serve({}, 900);
    await expect(greeter.sayHello({ name: 'slow' })).resolves.toMatchObject({ message: 'Hello, slow!' });
  });

  it('pings every connection at the keepalive interval', async () => {
    const { url } = await serve({ keepaliveTimeMs: 200, keepaliveTimeoutMs: 1_000 });
    const client = session(url);
    await within(client, 'ping', 2_000);
    await within(client, 'ping', 2_000);
  });

  it('sends an aged connection a GOAWAY, lets its call finish, and the client carries on on a new one', async () => {
    const { url } = await serve({ maxConnectionAgeMs: 300, maxConnectionAgeGraceMs: 2_000 }, 600);
    const { transport, sessionManager, close } = loopbackTransport(url);
    opened.push({ destroy: close });
    const greeter = createClient(GreeterService, transport);
    const inFlight = greeter.sayHello({ name: 'across the GOAWAY' });
    await expect(inFlight).resolves.toMatchObject({ message: 'Hello, across the GOAWAY!' });
    await expect(greeter.sayHello({ name: 'after' })).resolves.toMatchObject({ message: 'Hello, after!' });
    expect(sessionManager.state()).not.toBe('error');
  });

  it('cuts off calls still running when an aged connection’s grace is over', async () => {
    const { url } = await serve({ maxConnectionAgeMs: 200, maxConnectionAgeGraceMs: 200 }, 5_000);
    const client = session(url);
    const call = client.request(SAY_HELLO_HEADERS);
    call.on('error', () => undefined);
    call.end(Buffer.from([0, 0, 0, 0, 3, 0x0a, 0x01, 0x78]));
    await within(call, 'close', 3_000);
    expect(call.rstCode).toBe(http2.constants.NGHTTP2_CANCEL);
  });

  it('lets a client ping as often as it likes while it makes calls, as BDP pings do', async () => {
    const { url } = await serve();
    const client = session(url);
    await within(client, 'remoteSettings', 2_000);
    for (let i = 0; i < 60; i++) {
      client.ping(() => undefined);
      client.ping(() => undefined);
      const call = client.request(SAY_HELLO_HEADERS);
      call.end(Buffer.from([0, 0, 0, 0, 3, 0x0a, 0x01, 0x78]));
      call.resume();
      const [trailers] = await within<[http2.IncomingHttpHeaders]>(call, 'trailers', 3_000);
      expect(trailers['grpc-status']).toBe('0');
    }
    expect(client.destroyed).toBe(false);
  });

  it.each([
    ['PING', (client: http2.ClientHttp2Session) => client.ping(() => undefined)],
    ['SETTINGS', (client: http2.ClientHttp2Session) => client.settings({ enablePush: false }, () => undefined)],
  ])('ends a connection that floods it with %s frames, and keeps serving others', async (_frame, send) => {
    const { url, greeter } = await serve();
    const client = session(url);
    await within(client, 'remoteSettings', 2_000);
    const closed = within(client, 'close', 3_000);
    for (let i = 0; i < 200 && !client.destroyed; i++) {
      try {
        send(client);
      } catch {
        break; // too many outstanding: the flood is already cut off
      }
      await delay(1);
    }
    await closed;
    await expect(greeter.sayHello({ name: 'still' })).resolves.toMatchObject({ message: 'Hello, still!' });
  });
});
