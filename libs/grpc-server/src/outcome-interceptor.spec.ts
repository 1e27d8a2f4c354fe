import { Code, ConnectError, createClient, createRouterTransport } from '@connectrpc/connect';
import { InvalidFieldError } from '@protomesh/grpc-core';
import { Health } from '@protomesh/proto/grpc/health/v1';
import { logLines, type Loopback, loopbackServerOptions, serveOnLoopback } from '@protomesh/testing';
import { pino } from 'pino';
import { createGrpcServer, type GrpcServer } from './grpc-server.js';
import { createOutcomeInterceptor } from './outcome-interceptor.js';

const failure = (call: Promise<unknown>) =>
  call.then(
    () => {
      throw new Error('the call succeeded');
    },
    (err: unknown) => ConnectError.from(err),
  );

describe('the outcome mapping of a running server', () => {
  let loopback: Loopback<GrpcServer>;

  beforeAll(async () => {
    loopback = await serveOnLoopback(
      createGrpcServer(
        loopbackServerOptions({
          sayHello: (request) => {
            switch (request.name) {
              case 'invalid':
                throw new InvalidFieldError('name', 'must not be empty');
              case 'bug':
                throw new Error('connection string postgres://admin:secret@db');
              case 'denied':
                throw new ConnectError('not for you', Code.PermissionDenied);
              default:
                return { message: `Hello, ${request.name}!` };
            }
          },
        }),
      ),
    );
  });

  afterAll(async () => {
    await loopback.close();
  });

  const sayHello = (name: string) => failure(loopback.greeter.sayHello({ name }));

  it('turns an InvalidFieldError into INVALID_ARGUMENT with its message', async () => {
    const error = await sayHello('invalid');
    expect(error.code).toBe(Code.InvalidArgument);
    expect(error.rawMessage).toBe('name: must not be empty');
  });

  it('turns any other thrown error into UNKNOWN without leaking its message', async () => {
    const error = await sayHello('bug');
    expect(error.code).toBe(Code.Unknown);
    expect(error.rawMessage).toBe('internal error');
  });

  it('passes a ConnectError through with its code and message', async () => {
    const error = await sayHello('denied');
    expect(error.code).toBe(Code.PermissionDenied);
    expect(error.rawMessage).toBe('not for you');
  });

  it('still answers OK after the failures', async () => {
    await expect(loopback.greeter.sayHello({ name: 'again' })).resolves.toMatchObject({ message: 'Hello, again!' });
  });
});

describe('createOutcomeInterceptor', () => {
  /** A debug logger whose lines land in `lines`. */
  function capturingLogger() {
    const { lines, sink } = logLines();
    return { lines, logger: pino({ level: 'debug' }, sink) };
  }

  const secret = 'token=hunter2';

  it('ends a throwing streaming handler exactly as a throwing unary one, and logs both with their cause', async () => {
    const { lines, logger } = capturingLogger();
    const transport = createRouterTransport(
      (router) =>
        router.service(Health, {
          check() {
            throw new Error(secret);
          },
          // eslint-disable-next-line require-yield
          async *watch() {
            throw new Error(secret);
          },
        }),
      { router: { interceptors: [createOutcomeInterceptor(logger)] } },
    );
    const health = createClient(Health, transport);

    const unary = await failure(health.check({ service: '' }));
    const streaming = await failure(
      (async () => {
        for await (const response of health.watch({ service: '' })) {
          expect(response).toBeUndefined();
        }
      })(),
    );

    for (const error of [unary, streaming]) {
      expect(error.code).toBe(Code.Unknown);
      expect(error.rawMessage).toBe('internal error');
    }
    await new Promise((resolve) => setImmediate(resolve));
    const failed = lines.filter((line) => line['msg'] === 'call failed');
    expect(failed.map((line) => line['procedure'])).toEqual([
      '/grpc.health.v1.Health/Check',
      '/grpc.health.v1.Health/Watch',
    ]);
    for (const line of failed) {
      expect(line).toMatchObject({ code: 'UNKNOWN', level: 50, err: expect.objectContaining({ message: secret }) });
    }
  });

  it('logs a successful stream once it has ended, and a caller’s mistake at debug', async () => {
    const { lines, logger } = capturingLogger();
    const transport = createRouterTransport(
      (router) =>
        router.service(Health, {
          check() {
            throw new InvalidFieldError('service', 'must be known');
          },
          async *watch() {
            yield { status: 1 };
            yield { status: 2 };
          },
        }),
      { router: { interceptors: [createOutcomeInterceptor(logger)] } },
    );
    const health = createClient(Health, transport);
    const statuses: number[] = [];
    for await (const response of health.watch({ service: '' })) {
      statuses.push(response.status);
    }
    expect(statuses).toEqual([1, 2]);
    expect((await failure(health.check({ service: 'x' }))).code).toBe(Code.InvalidArgument);
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines.map((line) => [line['msg'], line['procedure'], line['code'], line['level']])).toEqual([
      ['call', '/grpc.health.v1.Health/Watch', 'OK', 20],
      ['call', '/grpc.health.v1.Health/Check', 'INVALID_ARGUMENT', 20],
    ]);
  });
});
