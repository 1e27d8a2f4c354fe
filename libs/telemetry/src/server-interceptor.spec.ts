import { Code, ConnectError, createClient, type Interceptor } from '@connectrpc/connect';
import { GreeterService } from '@protomesh/proto/greeter/v1';
import { Registry } from 'prom-client';
import { RpcMetrics } from './rpc-metrics.js';
import { createServerTelemetryInterceptor } from './server-interceptor.js';
import {
  loopbackTransport,
  type ConnectServer,
  type LoopbackTransport,
  parseExposition,
  startConnectServer,
} from '@protomesh/testing';

/** Sets (or, with undefined, removes) the grpc-timeout the server is told. */
const serverTimeout =
  (value: string | undefined): Interceptor =>
  (next) =>
  (req) => {
    if (value === undefined) {
      req.header.delete('grpc-timeout');
    } else {
      req.header.set('grpc-timeout', value);
    }
    return next(req);
  };

describe('server telemetry when a call is cut off', () => {
  let registry: Registry;
  let server: ConnectServer;
  let client: LoopbackTransport | undefined;

  beforeEach(async () => {
    registry = new Registry();
    // Like an injected delay: wait until the call is aborted, then fail with the abort reason.
    server = await startConnectServer(
      (router) =>
        router.service(GreeterService, {
          sayHello: (_req, ctx) =>
            new Promise((_resolve, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason))),
        }),
      [createServerTelemetryInterceptor({ metrics: new RpcMetrics('server', { registry }) })],
    );
  });

  afterEach(async () => {
    client?.close();
    await server.close();
  });

  async function serverStatuses(): Promise<string[]> {
    for (let i = 0; i < 100; i++) {
      const counts = parseExposition(await registry.metrics()).filter(
        (s) => s.name === 'rpc_server_call_duration_seconds_count',
      );
      if (counts.length > 0) {
        return counts.map((s) => s.labels['rpc_status_code']);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error('the server recorded no call');
  }

  it('records CANCELLED, not INTERNAL, when the client resets the stream at its own deadline', async () => {
    client = loopbackTransport(server.url, [serverTimeout(undefined)]);
    const err = await createClient(GreeterService, client.transport)
      .sayHello({ name: 'x' }, { timeoutMs: 100 })
      .catch((e: unknown) => ConnectError.from(e));
    expect(err).toMatchObject({ code: Code.DeadlineExceeded });
    expect(await serverStatuses()).toEqual(['CANCELLED']);
  });

  it('records DEADLINE_EXCEEDED when the server’s own deadline ends the call', async () => {
    client = loopbackTransport(server.url, [serverTimeout('50m')]);
    const err = await createClient(GreeterService, client.transport)
      .sayHello({ name: 'x' }, { timeoutMs: 5_000 })
      .catch((e: unknown) => ConnectError.from(e));
    expect(err).toMatchObject({ code: Code.DeadlineExceeded });
    expect(await serverStatuses()).toEqual(['DEADLINE_EXCEEDED']);
  });
});
