import { Code, ConnectError, createClient } from '@connectrpc/connect';
import { GreeterService } from '@protomesh/proto/greeter/v1';
import { Health, HealthCheckResponse_ServingStatus as ServingStatus } from '@protomesh/proto/grpc/health/v1';
import { type Loopback, loopbackServerOptions, serveOnLoopback } from '@protomesh/testing';
import { createGrpcServer, type GrpcServer } from './grpc-server.js';

describe('grpc.health.v1.Health', () => {
  let loopback: Loopback<GrpcServer>;

  beforeEach(async () => {
    loopback = await serveOnLoopback(createGrpcServer(loopbackServerOptions()));
  });

  afterEach(async () => {
    await loopback.close();
  });

  const health = () => createClient(Health, loopback.transport);

  it.each(['', GreeterService.typeName])('reports %j SERVING', async (service) => {
    const response = await health().check({ service });
    expect(response.status).toBe(ServingStatus.SERVING);
  });

  it('answers NOT_FOUND for a service it does not serve', async () => {
    const error = await health()
      .check({ service: 'no.such.Service' })
      .then(
        () => undefined,
        (err: unknown) => ConnectError.from(err),
      );
    expect(error?.code).toBe(Code.NotFound);
    expect(error?.rawMessage).toContain('no.such.Service');
  });

  it('lists the server and every application service', async () => {
    const { statuses } = await health().list({});
    expect(Object.keys(statuses).sort()).toEqual(['', GreeterService.typeName]);
    for (const entry of Object.values(statuses)) {
      expect(entry.status).toBe(ServingStatus.SERVING);
    }
  });

  it('turns NOT_SERVING when a drain starts', async () => {
    const draining = loopback.server.drain(2_000);
    // The listener is closed now, so ask the registry the Health service reads.
    expect(loopback.server.health.status('')).toBe(ServingStatus.NOT_SERVING);
    expect(loopback.server.health.status(GreeterService.typeName)).toBe(ServingStatus.NOT_SERVING);
    loopback.server.health.setStatus('', ServingStatus.SERVING);
    expect(loopback.server.health.status('')).toBe(ServingStatus.NOT_SERVING);
    await expect(draining).resolves.toBe('drained');
  });

  it('streams SERVING, then NOT_SERVING when a drain starts, then ends the Watch', async () => {
    const seen: ServingStatus[] = [];
    let drained: Promise<string> | undefined;
    for await (const response of health().watch({ service: '' })) {
      seen.push(response.status);
      if (seen.length === 1) {
        drained = loopback.server.drain(2_000);
      }
    }
    expect(seen).toEqual([ServingStatus.SERVING, ServingStatus.NOT_SERVING]);
    await expect(drained).resolves.toBe('drained');
  });

  it('streams a status change to a watcher', async () => {
    const seen: ServingStatus[] = [];
    const abort = new AbortController();
    const watching = (async () => {
      for await (const response of health().watch({ service: GreeterService.typeName }, { signal: abort.signal })) {
        seen.push(response.status);
        if (seen.length === 1) {
          loopback.server.health.setStatus(GreeterService.typeName, ServingStatus.NOT_SERVING);
        } else {
          abort.abort();
        }
      }
    })().catch((err: unknown) => {
      if (ConnectError.from(err).code !== Code.Canceled) {
        throw err;
      }
    });
    await watching;
    expect(seen).toEqual([ServingStatus.SERVING, ServingStatus.NOT_SERVING]);
  });

  it('watches an unknown service as SERVICE_UNKNOWN instead of failing', async () => {
    const abort = new AbortController();
    const iterator = health().watch({ service: 'no.such.Service' }, { signal: abort.signal })[Symbol.asyncIterator]();
    const first = await iterator.next();
    abort.abort();
    await iterator.return?.();
    expect(first.value?.status).toBe(ServingStatus.SERVICE_UNKNOWN);
  });
});
