import { ConfigError, type Env } from '@protomesh/runtime';
import { hostname } from 'node:os';
import { readServiceConfig } from './service-config.js';

const version = '1.2.3-build';
const readServerConfig = (env: Env) => readServiceConfig(env, version);

describe('readServiceConfig', () => {
  it('has documented defaults for an empty environment', () => {
    expect(readServerConfig({})).toEqual({
      port: 8080,
      host: '0.0.0.0',
      logLevel: 'info',
      drainDelayMs: 5_000,
      drainTimeoutMs: 10_000,
      maxDeadlineMs: 300_000,
      instance: hostname(),
      version,
      unaryFastPath: true,
      fault: {},
      connectionPolicy: {
        handshakeTimeoutMs: 10_000,
        requestTimeoutMs: 30_000,
        keepaliveTimeMs: 60_000,
        keepaliveTimeoutMs: 20_000,
        maxConnectionAgeMs: 1_800_000,
        maxConnectionAgeGraceMs: 60_000,
      },
    });
  });

  it('treats empty values as unset', () => {
    expect(readServerConfig({ PORT: '', DRAIN_TIMEOUT: ' ' })).toMatchObject({ port: 8080, drainTimeoutMs: 10_000 });
  });

  it('reads every variable', () => {
    expect(
      readServerConfig({
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'debug',
        DRAIN_DELAY: '250ms',
        DRAIN_TIMEOUT: '1.5s',
        MAX_DEADLINE: '1m',
        HANDSHAKE_TIMEOUT: '2s',
        REQUEST_TIMEOUT: '3s',
        KEEPALIVE_TIME: '4s',
        KEEPALIVE_TIMEOUT: '500ms',
        MAX_CONNECTION_AGE: '0s',
        MAX_CONNECTION_AGE_GRACE: '5s',
        POD_NAME: 'greeter-abc',
        SERVICE_VERSION: '9.9.9',
        UNARY_FAST_PATH: 'off',
        FAULT_DELAY: '250ms',
        FAULT_DELAY_PERCENT: '12.5',
        FAULT_ABORT_STATUS: 'UNAVAILABLE',
        FAULT_ABORT_PERCENT: '100',
      }),
    ).toEqual({
      port: 0,
      host: '127.0.0.1',
      logLevel: 'debug',
      drainDelayMs: 250,
      drainTimeoutMs: 1_500,
      maxDeadlineMs: 60_000,
      instance: 'greeter-abc',
      version: '9.9.9',
      unaryFastPath: false,
      fault: { delay: { ms: 250, percent: 12.5 }, abort: { status: 'UNAVAILABLE', percent: 100 } },
      connectionPolicy: {
        handshakeTimeoutMs: 2_000,
        requestTimeoutMs: 3_000,
        keepaliveTimeMs: 4_000,
        keepaliveTimeoutMs: 500,
        maxConnectionAgeMs: 0,
        maxConnectionAgeGraceMs: 5_000,
      },
    });
  });

  it.each([
    ['PORT', { PORT: 'abc' }],
    ['PORT', { PORT: '65536' }],
    ['PORT', { PORT: '-1' }],
    ['LOG_LEVEL', { LOG_LEVEL: 'loud' }],
    ['UNARY_FAST_PATH', { UNARY_FAST_PATH: 'true' }],
    ['DRAIN_TIMEOUT', { DRAIN_TIMEOUT: '10' }],
    ['MAX_DEADLINE', { MAX_DEADLINE: '0s' }],
    ['DRAIN_DELAY', { DRAIN_DELAY: 'soon' }],
    ['KEEPALIVE_TIME', { KEEPALIVE_TIME: '10ms' }],
    ['HANDSHAKE_TIMEOUT', { HANDSHAKE_TIMEOUT: '0s' }],
    // Past what a Node timer can wait once jittered: it would fire at once.
    ['MAX_CONNECTION_AGE', { MAX_CONNECTION_AGE: '481h' }],
    ['FAULT_DELAY', { FAULT_DELAY: '25h', FAULT_DELAY_PERCENT: '50' }],
    ['FAULT_DELAY_PERCENT', { FAULT_DELAY: '1s' }],
    ['FAULT_DELAY', { FAULT_DELAY_PERCENT: '50' }],
    ['FAULT_DELAY_PERCENT', { FAULT_DELAY: '1s', FAULT_DELAY_PERCENT: '101' }],
    ['FAULT_ABORT_STATUS', { FAULT_ABORT_STATUS: 'OK', FAULT_ABORT_PERCENT: '10' }],
    ['FAULT_ABORT_PERCENT', { FAULT_ABORT_STATUS: 'UNAVAILABLE' }],
    ['UNARY_FAST_PATH', { UNARY_FAST_PATH: 'yes' }],
  ])('rejects %s in %j', (setting, env) => {
    let thrown: unknown;
    try {
      readServerConfig(env);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect(thrown).toMatchObject({ setting });
  });

  it('lets a program replace some defaults', () => {
    expect(readServiceConfig({}, version, { HOST: '127.0.0.1', PORT: '0', DRAIN_TIMEOUT: '2s' })).toMatchObject({
      host: '127.0.0.1',
      port: 0,
      drainTimeoutMs: 2_000,
      maxDeadlineMs: 300_000,
    });
  });
});
