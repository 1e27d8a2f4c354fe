import { create } from '@bufbuild/protobuf';
import { Code, ConnectError, createConnectRouter, type Interceptor, type UnaryResponse } from '@connectrpc/connect';
import { GreeterService, SayHelloRequestSchema } from '@protomesh/proto/greeter/v1';
import { Health } from '@protomesh/proto/grpc/health/v1';
import { createHealthService, HealthRegistry } from '../health.js';
import { createUnaryRequest, FastContextValues } from './handler-context.js';
import { RouteTable } from './route-table.js';

const SAY_HELLO = '/greeter.v1.GreeterService/SayHello';

/** Registers through a recording router; returns the table and Connect's own router. */
function record(register: (router: ReturnType<typeof createConnectRouter>) => void, interceptors: Interceptor[] = []) {
  const options = { grpc: true, grpcWeb: false, connect: false, interceptors };
  const table = new RouteTable(options);
  const connect = createConnectRouter(options);
  register(table.recording(connect));
  return { table, connect };
}

/** Calls a route's interceptor chain and handler the way a call does. */
function invoke(table: RouteTable, path: string, name: string): Promise<UnaryResponse> {
  const route = table.get(path);
  if (route === undefined) {
    throw new Error(`no route ${path}`);
  }
  const call = {
    signal: new AbortController().signal,
    url: `http://test${path}`,
    requestHeader: new Headers(),
    values: new FastContextValues(),
    responseHeader: new Headers(),
    responseTrailer: new Headers(),
    timeoutMs: () => undefined,
  };
  const message = create(SayHelloRequestSchema, { name });
  return route.invoke(createUnaryRequest(call, route.method, message, new Headers(), new FastContextValues()));
}

describe('RouteTable', () => {
  it('passes every registration on to Connect and keeps the unary methods', () => {
    const { table, connect } = record((router) => {
      router.service(GreeterService, { sayHello: () => ({ message: 'hi' }) });
      router.service(Health, createHealthService(new HealthRegistry()));
    });
    expect(connect.handlers.map((h) => h.requestPath).sort()).toEqual([
      '/greeter.v1.GreeterService/SayHello',
      '/grpc.health.v1.Health/Check',
      '/grpc.health.v1.Health/List',
      '/grpc.health.v1.Health/Watch',
    ]);
    // Every unary method, and nothing else (Watch streams).
    expect(table.paths.sort()).toEqual([
      '/greeter.v1.GreeterService/SayHello',
      '/grpc.health.v1.Health/Check',
      '/grpc.health.v1.Health/List',
    ]);
    expect(table.get('/grpc.health.v1.Health/Check')).toBeDefined();
    expect(table.get('/grpc.health.v1.Health/Watch')).toBeUndefined();
  });

  it('takes methods registered one by one with rpc()', async () => {
    const { table } = record((router) =>
      router.rpc(GreeterService.method.sayHello, (req) => ({ message: `rpc ${req.name}` })),
    );
    await expect(invoke(table, SAY_HELLO, 'x')).resolves.toMatchObject({ message: { message: 'rpc x' } });
  });

  it('answers a method the service leaves out with UNIMPLEMENTED, as Connect does', async () => {
    const { table } = record((router) => router.service(GreeterService, {}));
    await expect(invoke(table, SAY_HELLO, 'x')).rejects.toEqual(
      new ConnectError('greeter.v1.GreeterService.SayHello is not implemented', Code.Unimplemented),
    );
  });

  it("uses a service's own interceptors instead of the router's, as Connect does", async () => {
    const tag =
      (label: string): Interceptor =>
      (next) =>
      async (req) => {
        const res = await next(req);
        res.header.append('x-seen-by', label);
        return res;
      };
    const { table } = record(
      (router) =>
        router.service(GreeterService, { sayHello: () => ({ message: 'hi' }) }, { interceptors: [tag('service')] }),
      [tag('router')],
    );
    const response = await invoke(table, SAY_HELLO, 'x');
    expect(response.header.get('x-seen-by')).toBe('service');
  });

  it('leaves to Connect a service with gRPC switched off or a shutdown signal', () => {
    // Not in the option's type, but Connect's router honours it.
    const grpcOff = { grpc: false } as Parameters<ReturnType<typeof createConnectRouter>['service']>[2];
    const off = record((router) => router.service(GreeterService, { sayHello: () => ({ message: 'hi' }) }, grpcOff));
    expect(off.table.get(SAY_HELLO)).toBeUndefined();
    const shutdown = record((router) =>
      router.service(
        GreeterService,
        { sayHello: () => ({ message: 'hi' }) },
        { shutdownSignal: new AbortController().signal },
      ),
    );
    expect(shutdown.table.get(SAY_HELLO)).toBeUndefined();
  });

  it('lets a later registration of a path replace an earlier one, as Connect does', async () => {
    const { table } = record((router) => {
      router.service(GreeterService, { sayHello: () => ({ message: 'first' }) });
      router.service(GreeterService, { sayHello: () => ({ message: 'second' }) });
    });
    await expect(invoke(table, SAY_HELLO, 'x')).resolves.toMatchObject({ message: { message: 'second' } });
  });

  it('builds the interceptor chain once, not per call', async () => {
    let built = 0;
    const counting: Interceptor = (next) => {
      built++;
      return (req) => next(req);
    };
    const { table } = record(
      (router) => router.service(GreeterService, { sayHello: () => ({ message: 'hi' }) }),
      [counting],
    );
    await invoke(table, SAY_HELLO, 'a');
    await invoke(table, SAY_HELLO, 'b');
    expect(built).toBe(1);
  });
});
