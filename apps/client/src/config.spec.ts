import { ConfigError } from '@protomesh/runtime';
import { TELEMETRY_DEFAULTS } from '@protomesh/telemetry';
import { readmeSettings } from '@protomesh/testing';
import { CLIENT_DEFAULTS, readClientConfig } from './config.js';

describe('readClientConfig', () => {
  it('has documented defaults for an empty environment', () => {
    expect(readClientConfig({})).toEqual({
      serverUrl: 'http://localhost:8080',
      intervalMs: 2_000,
      timeoutMs: 5_000,
      name: 'world',
      maxAttempts: 3,
      count: 0,
      expect: 'OK',
      logLevel: 'info',
    });
  });

  it('reads every variable', () => {
    expect(
      readClientConfig({
        SERVER_URL: 'https://greeter.mesh.svc:8443',
        INTERVAL: '250ms',
        TIMEOUT: '1.5s',
        NAME: 'Ada',
        MAX_ATTEMPTS: '5',
        COUNT: '7',
        EXPECT: 'DEADLINE_EXCEEDED',
        LOG_LEVEL: 'warn',
      }),
    ).toEqual({
      serverUrl: 'https://greeter.mesh.svc:8443',
      intervalMs: 250,
      timeoutMs: 1_500,
      name: 'Ada',
      maxAttempts: 5,
      count: 7,
      expect: 'DEADLINE_EXCEEDED',
      logLevel: 'warn',
    });
  });

  it.each([
    ['SERVER_URL', { SERVER_URL: 'ftp://x' }],
    ['SERVER_URL', { SERVER_URL: 'localhost:8080' }],
    ['INTERVAL', { INTERVAL: '0s' }],
    ['INTERVAL', { INTERVAL: '2' }],
    ['TIMEOUT', { TIMEOUT: 'abc' }],
    ['MAX_ATTEMPTS', { MAX_ATTEMPTS: '0' }],
    ['MAX_ATTEMPTS', { MAX_ATTEMPTS: '6' }],
    ['MAX_ATTEMPTS', { MAX_ATTEMPTS: '2.5' }],
    ['COUNT', { COUNT: '-1' }],
    ['EXPECT', { EXPECT: 'ok' }],
    ['LOG_LEVEL', { LOG_LEVEL: 'verbose' }],
  ])('rejects %s in %j', (setting, env) => {
    let thrown: unknown;
    try {
      readClientConfig(env);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect(thrown).toMatchObject({ setting });
  });
});

describe('the README table of client settings', () => {
  const documented = readmeSettings('## Client');

  it('states every default the parser has, and no other', () => {
    expect(Object.fromEntries(documented)).toEqual({ ...CLIENT_DEFAULTS, ...TELEMETRY_DEFAULTS });
  });
});
