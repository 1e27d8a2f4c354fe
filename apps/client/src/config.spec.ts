import { ConfigError, EXIT_CONFIG } from '@protomesh/runtime';
import { readClientConfig } from './config.js';
import { CLIENT_BUNDLE, killAll, runToExit } from '@protomesh/testing';

// Starting bundles on a busy machine can outlast Jest's 5 s default; each wait has its own bound.
jest.setTimeout(30_000);

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

describe('client bundle with a bad setting', () => {
  afterEach(killAll);

  // A client that wrongly started would call 127.0.0.1:9 (discard) and end after one call.
  const safe = { SERVER_URL: 'http://127.0.0.1:9', COUNT: '1', MAX_ATTEMPTS: '1' };

  it.each([
    ['TIMEOUT', { ...safe, TIMEOUT: 'abc' }],
    ['SERVER_URL', { ...safe, SERVER_URL: 'ftp://x' }],
    ['MAX_ATTEMPTS', { ...safe, MAX_ATTEMPTS: '9' }],
    ['EXPECT', { ...safe, EXPECT: 'NOPE' }],
  ])('exits 2 with one stderr line naming %s', async (setting, env) => {
    const { exit, process } = await runToExit(CLIENT_BUNDLE, env, 10_000);
    expect(exit.code).toBe(EXIT_CONFIG);
    const lines = process.stderr.split('\n').filter((line) => line !== '');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^config error: ${setting}: expected .+, got ".*"$`));
    expect(process.lines).toEqual([]);
  });
});
