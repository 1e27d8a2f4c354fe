import { Code, ConnectError } from '@connectrpc/connect';
import { callOutcome, OK_OUTCOME } from '@protomesh/grpc-core';
import { Registry } from 'prom-client';
import { CALL_DURATION_BUCKETS, RPC_METRIC_NAMES, RpcMetrics } from './rpc-metrics.js';
import { parseExposition, type Sample, sampleValue } from '@protomesh/testing';

const SAY_HELLO = 'greeter.v1.GreeterService/SayHello';
const GREETER = { rpc_system_name: 'grpc', rpc_method: SAY_HELLO };
const failed = (code: Code) => callOutcome(new ConnectError('failed', code));

async function samples(registry: Registry): Promise<Sample[]> {
  return parseExposition(await registry.metrics());
}

describe('RpcMetrics', () => {
  it('records server calls by system, method and status name, with error.type for server faults', async () => {
    const registry = new Registry();
    const metrics = new RpcMetrics('server', { registry });
    metrics.start(SAY_HELLO)(OK_OUTCOME);
    metrics.start(SAY_HELLO)(OK_OUTCOME);
    metrics.start(SAY_HELLO)(failed(Code.InvalidArgument));
    metrics.start(SAY_HELLO)(failed(Code.DeadlineExceeded));
    const s = await samples(registry);
    const count = `${RPC_METRIC_NAMES.server.duration}_count`;
    expect(sampleValue(s, count, { ...GREETER, rpc_status_code: 'OK' })).toBe(2);
    expect(sampleValue(s, count, { ...GREETER, rpc_status_code: 'INVALID_ARGUMENT' })).toBe(1);
    expect(
      sampleValue(s, count, { ...GREETER, rpc_status_code: 'DEADLINE_EXCEEDED', error_type: 'DEADLINE_EXCEEDED' }),
    ).toBe(1);
    expect(
      sampleValue(s, `${RPC_METRIC_NAMES.server.duration}_bucket`, { ...GREETER, rpc_status_code: 'OK', le: '+Inf' }),
    ).toBe(2);
    expect(sampleValue(s, RPC_METRIC_NAMES.server.active, GREETER)).toBe(0);
  });

  it('counts calls in flight until they end, once each', async () => {
    const registry = new Registry();
    const metrics = new RpcMetrics('server', { registry });
    const first = metrics.start(SAY_HELLO);
    const second = metrics.start(SAY_HELLO);
    const active = async () => sampleValue(await samples(registry), RPC_METRIC_NAMES.server.active, GREETER);
    expect(await active()).toBe(2);
    first(OK_OUTCOME);
    first(OK_OUTCOME);
    expect(await active()).toBe(1);
    second(failed(Code.Unavailable));
    expect(await active()).toBe(0);
  });

  it('counts the attempts of client calls by their final status', async () => {
    const registry = new Registry();
    const metrics = new RpcMetrics('client', { registry });
    metrics.start(SAY_HELLO)(OK_OUTCOME, 3);
    metrics.start(SAY_HELLO)(OK_OUTCOME, 1);
    metrics.start(SAY_HELLO)(failed(Code.Unavailable), 5);
    const s = await samples(registry);
    const attempts = RPC_METRIC_NAMES.client.attempts;
    expect(sampleValue(s, attempts, { ...GREETER, rpc_status_code: 'OK' })).toBe(4);
    expect(sampleValue(s, attempts, { ...GREETER, rpc_status_code: 'UNAVAILABLE', error_type: 'UNAVAILABLE' })).toBe(5);
    expect(sampleValue(s, `${RPC_METRIC_NAMES.client.duration}_count`, { ...GREETER, rpc_status_code: 'OK' })).toBe(2);
  });

  it('folds methods beyond maxMethods into _OTHER so the series stay bounded', async () => {
    const registry = new Registry();
    const metrics = new RpcMetrics('server', { registry, maxMethods: 1 });
    metrics.start(SAY_HELLO)(OK_OUTCOME);
    metrics.start('evil.v1.Evil/A')(OK_OUTCOME);
    metrics.start('evil.v1.Evil/B')(OK_OUTCOME);
    const counts = (await samples(registry)).filter((s) => s.name === `${RPC_METRIC_NAMES.server.duration}_count`);
    expect(counts.map((s) => [s.labels['rpc_method'], s.value])).toEqual([
      [SAY_HELLO, 1],
      ['_OTHER', 2],
    ]);
  });

  it('puts a sub-millisecond call and a 7 s call into different, narrow buckets', () => {
    const bucketOf = (seconds: number) => CALL_DURATION_BUCKETS.findIndex((bound) => seconds <= bound);
    const width = (seconds: number) => {
      const i = bucketOf(seconds);
      return CALL_DURATION_BUCKETS[i] - (CALL_DURATION_BUCKETS[i - 1] ?? 0);
    };
    expect(width(0.0004)).toBeLessThanOrEqual(0.00025);
    expect(width(0.004)).toBeLessThanOrEqual(0.0025);
    expect(width(7.2)).toBeLessThanOrEqual(1);
    expect(width(9.5)).toBeLessThanOrEqual(1);
    expect(bucketOf(30)).toBe(CALL_DURATION_BUCKETS.length - 1);
  });

  it('keeps every boundary OpenTelemetry advises for rpc call durations', () => {
    const advised = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];
    expect(CALL_DURATION_BUCKETS).toEqual(expect.arrayContaining(advised));
    expect([...CALL_DURATION_BUCKETS].sort((a, b) => a - b)).toEqual(CALL_DURATION_BUCKETS);
  });
});
