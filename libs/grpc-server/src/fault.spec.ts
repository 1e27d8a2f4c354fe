import { Code, ConnectError, createClient } from '@connectrpc/connect';
import { Health, HealthCheckResponse_ServingStatus as ServingStatus } from '@protomesh/proto/grpc/health/v1';
import { ConfigError, EnvReader, sleep } from '@protomesh/runtime';
import { createFaultInterceptor, describeFault, type FaultSpec, isFaultActive, readFaultSpec } from './fault.js';
import { type Loopback, loopbackServerOptions, serveOnLoopback } from '@protomesh/testing';
import { createGrpcServer, type GrpcServer } from './grpc-server.js';

const read = (env: Record<string, string>) => readFaultSpec(new EnvReader(env));

function configError(env: Record<string, string>): ConfigError {
  try {
    read(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      return err;
    }
    throw err;
  }
  throw new Error(`no ConfigError for ${JSON.stringify(env)}`);
}

describe('readFaultSpec', () => {
  it('is off when nothing is set', () => {
    const spec = read({});
    expect(spec).toEqual({});
    expect(isFaultActive(spec)).toBe(false);
  });

  it('reads a delay and an abort, each with its percentage', () => {
    const spec = read({
      FAULT_DELAY: '1.5s',
      FAULT_DELAY_PERCENT: '12.5',
      FAULT_ABORT_STATUS: 'UNAVAILABLE',
      FAULT_ABORT_PERCENT: '100',
    });
    expect(spec).toEqual({
      delay: { ms: 1_500, percent: 12.5 },
      abort: { status: 'UNAVAILABLE', percent: 100 },
    });
    expect(isFaultActive(spec)).toBe(true);
    expect(describeFault(spec)).toBe('delay 1500ms on 12.5% of calls, abort with UNAVAILABLE on 100% of calls');
  });

  it.each([
    [{ FAULT_DELAY: '2s' }, 'FAULT_DELAY_PERCENT'],
    [{ FAULT_DELAY_PERCENT: '50' }, 'FAULT_DELAY'],
    [{ FAULT_ABORT_STATUS: 'UNAVAILABLE' }, 'FAULT_ABORT_PERCENT'],
    [{ FAULT_ABORT_PERCENT: '50' }, 'FAULT_ABORT_STATUS'],
  ])('requires both halves of a pair: %j needs %s', (env, missing) => {
    const error = configError(env);
    expect(error.setting).toBe(missing);
    expect(error.message).toMatch(new RegExp(`^${missing}: expected .*required when`));
  });

  it.each([
    [{ FAULT_DELAY: '2', FAULT_DELAY_PERCENT: '50' }, 'FAULT_DELAY', 'duration'],
    [{ FAULT_DELAY: '0s', FAULT_DELAY_PERCENT: '50' }, 'FAULT_DELAY', 'duration'],
    [{ FAULT_DELAY: '2s', FAULT_DELAY_PERCENT: '101' }, 'FAULT_DELAY_PERCENT', 'percentage'],
    [{ FAULT_DELAY: '2s', FAULT_DELAY_PERCENT: 'half' }, 'FAULT_DELAY_PERCENT', 'percentage'],
    [{ FAULT_ABORT_STATUS: 'BROKEN', FAULT_ABORT_PERCENT: '50' }, 'FAULT_ABORT_STATUS', 'UNAVAILABLE'],
    [{ FAULT_ABORT_STATUS: 'OK', FAULT_ABORT_PERCENT: '50' }, 'FAULT_ABORT_STATUS', 'UNAVAILABLE'],
    [{ FAULT_ABORT_STATUS: 'unavailable', FAULT_ABORT_PERCENT: '50' }, 'FAULT_ABORT_STATUS', 'UNAVAILABLE'],
    [{ FAULT_ABORT_STATUS: 'UNAVAILABLE', FAULT_ABORT_PERCENT: '-1' }, 'FAULT_ABORT_PERCENT', 'percentage'],
  ])('rejects %j, naming %s and the expected form', (env, variable, form) => {
    const error = configError(env);
    expect(error.setting).toBe(variable);
    expect(error.message.startsWith(`${variable}: expected `)).toBe(true);
    expect(error.message).toContain(form);
  });
});

describe('fault interceptor on a live server', () => {
  let loopback: Loopback<GrpcServer> | undefined;
  let handled: number;

  /** A server with the fault applied and `random` pinned, so the dice always roll the same. */
  async function serve(spec: FaultSpec, random: number): Promise<Loopback<GrpcServer>> {
    handled = 0;
    loopback = await serveOnLoopback(
      createGrpcServer(
        loopbackServerOptions({
          interceptors: [createFaultInterceptor(spec, () => random)],
          sayHello: (request) => {
            handled++;
            return { message: `Hello, ${request.name}!` };
          },
        }),
      ),
    );
    return loopback;
  }

  const failure = (call: Promise<unknown>) =>
    call.then(
      () => undefined,
      (err: unknown) => ConnectError.from(err),
    );

  afterEach(async () => {
    await loopback?.close();
    loopback = undefined;
  });

  it('delays every call at 100 %', async () => {
    const { greeter } = await serve({ delay: { ms: 200, percent: 100 } }, 0.999);
    const started = performance.now();
    await expect(greeter.sayHello({ name: 'late' })).resolves.toMatchObject({ message: 'Hello, late!' });
    expect(performance.now() - started).toBeGreaterThanOrEqual(195);
  });

  it('ends a delayed call at the caller deadline, before it reaches the handler', async () => {
    const { greeter } = await serve({ delay: { ms: 600, percent: 100 } }, 0);
    const error = await failure(greeter.sayHello({ name: 'hurried' }, { timeoutMs: 100 }));
    expect(error?.code).toBe(Code.DeadlineExceeded);
    // Past the moment the delay would have ended: the handler still never ran.
    await sleep(700, new AbortController().signal);
    expect(handled).toBe(0);
  });

  it('aborts every call with the configured status at 100 %', async () => {
    const { greeter } = await serve({ abort: { status: 'UNAVAILABLE', percent: 100 } }, 0.999);
    const error = await failure(greeter.sayHello({ name: 'unlucky' }));
    expect(error?.code).toBe(Code.Unavailable);
    expect(error?.rawMessage).toBe('fault injected');
    expect(handled).toBe(0);
  });

  it('lets every call through at 0 %', async () => {
    const { greeter } = await serve(
      { delay: { ms: 5_000, percent: 0 }, abort: { status: 'UNAVAILABLE', percent: 0 } },
      0,
    );
    await expect(greeter.sayHello({ name: 'lucky' })).resolves.toMatchObject({ message: 'Hello, lucky!' });
    expect(handled).toBe(1);
  });

  it.each([
    [0.49, Code[Code.PermissionDenied]],
    [0.5, 'OK'],
  ])('at 50 %%, with the dice at %d, answers %s', async (random, expected) => {
    const { greeter } = await serve({ abort: { status: 'PERMISSION_DENIED', percent: 50 } }, random);
    const error = await failure(greeter.sayHello({ name: 'dice' }));
    expect(error === undefined ? 'OK' : Code[error.code]).toBe(expected);
  });

  it('never faults health checks, even at 100 %', async () => {
    const { transport } = await serve(
      { delay: { ms: 5_000, percent: 100 }, abort: { status: 'UNAVAILABLE', percent: 100 } },
      0,
    );
    const response = await createClient(Health, transport).check({ service: '' }, { timeoutMs: 1_000 });
    expect(response.status).toBe(ServingStatus.SERVING);
  });
});
