import { ConfigError, EXIT_CONFIG } from '@protomesh/runtime';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { readServerConfig } from './config.js';
import { killAll, runToExit, SERVER_BUNDLE } from '@protomesh/testing';

// Starting bundles on a busy machine can outlast Jest's 5 s default; each wait has its own bound.
jest.setTimeout(30_000);

const { version } = JSON.parse(readFileSync(join(__dirname, '../package.json'), 'utf8')) as { version: string };

describe('readServerConfig', () => {
  it('has documented defaults for an empty environment', () => {
    expect(readServerConfig({})).toEqual({
      port: 8080,
      host: '0.0.0.0',
      logLevel: 'info',
      drainTimeoutMs: 10_000,
      maxDeadlineMs: 300_000,
      instance: hostname(),
      version,
      fault: {},
      unaryFastPath: true,
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
        DRAIN_TIMEOUT: '1.5s',
        MAX_DEADLINE: '1m',
        POD_NAME: 'greeter-abc',
        SERVICE_VERSION: '9.9.9',
        FAULT_DELAY: '250ms',
        FAULT_DELAY_PERCENT: '12.5',
        FAULT_ABORT_STATUS: 'UNAVAILABLE',
        FAULT_ABORT_PERCENT: '100',
        UNARY_FAST_PATH: 'off',
      }),
    ).toEqual({
      port: 0,
      host: '127.0.0.1',
      logLevel: 'debug',
      drainTimeoutMs: 1_500,
      maxDeadlineMs: 60_000,
      instance: 'greeter-abc',
      version: '9.9.9',
      fault: { delay: { ms: 250, percent: 12.5 }, abort: { status: 'UNAVAILABLE', percent: 100 } },
      unaryFastPath: false,
    });
  });

  it.each([
    ['PORT', { PORT: 'abc' }],
    ['PORT', { PORT: '65536' }],
    ['PORT', { PORT: '-1' }],
    ['LOG_LEVEL', { LOG_LEVEL: 'loud' }],
    ['DRAIN_TIMEOUT', { DRAIN_TIMEOUT: '10' }],
    ['MAX_DEADLINE', { MAX_DEADLINE: '0s' }],
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
});

describe('server bundle with a bad setting', () => {
  afterEach(killAll);

  // HOST/PORT keep a bundle that wrongly started off the shared port 8080.
  const safe = { HOST: '127.0.0.1', PORT: '0' };

  it.each([
    ['PORT', { PORT: 'abc' }],
    ['DRAIN_TIMEOUT', { ...safe, DRAIN_TIMEOUT: '10' }],
    ['FAULT_DELAY_PERCENT', { ...safe, FAULT_DELAY: '1s' }],
    ['LOG_LEVEL', { ...safe, LOG_LEVEL: 'loud' }],
  ])('exits 2 with one stderr line naming %s', async (setting, env) => {
    const { exit, process } = await runToExit(SERVER_BUNDLE, env, 10_000);
    expect(exit.code).toBe(EXIT_CONFIG);
    const lines = process.stderr.split('\n').filter((line) => line !== '');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^config error: ${setting}: expected .+, got ".*"$`));
    expect(process.lines).toEqual([]);
  });
});
