import { EXIT_CONFIG } from '@protomesh/runtime';
import { CLIENT_BUNDLE, killAll, runToExit, SERVERS } from '@protomesh/testing';
import { type AddressInfo, createServer } from 'node:net';

// Starting bundles on a busy machine can outlast Jest's 5 s default; each wait has its own bound.
jest.setTimeout(30_000);

/**
 * The one stderr line a program printed before exiting 2, with nothing on
 * stdout unless `stdoutToo` (a server may log its metrics server first).
 */
async function configErrorLine(program: string, env: Record<string, string>, stdoutToo = false): Promise<string> {
  const { exit, process } = await runToExit(program, env, 10_000);
  expect(exit.code).toBe(EXIT_CONFIG);
  const lines = process.stderr.split('\n').filter((line) => line !== '');
  expect(lines).toHaveLength(1);
  if (!stdoutToo) {
    expect(process.lines).toEqual([]);
  }
  return lines[0];
}

// HOST/PORT keep a server that wrongly started off the shared port 8080.
const safe = { HOST: '127.0.0.1', PORT: '0' };

/** Settings both servers refuse, each with a malformed value. */
const badServerSettings: [string, Record<string, string>][] = [
  ['PORT', { PORT: 'abc' }],
  ['DRAIN_TIMEOUT', { ...safe, DRAIN_TIMEOUT: '10' }],
  ['FAULT_DELAY_PERCENT', { ...safe, FAULT_DELAY: '1s' }],
  ['LOG_LEVEL', { ...safe, LOG_LEVEL: 'loud' }],
  ['UNARY_FAST_PATH', { ...safe, UNARY_FAST_PATH: 'yes' }],
  ['METRICS_PORT', { HOST: '127.0.0.1', PORT: '8080', METRICS_PORT: '8080' }],
  ['METRICS_PORT', { ...safe, METRICS_PORT: 'nine' }],
  // The drain delay and the connection policy: each one's range in the message.
  ['DRAIN_DELAY', { ...safe, DRAIN_DELAY: 'soon' }],
  ['HANDSHAKE_TIMEOUT', { ...safe, HANDSHAKE_TIMEOUT: '0s' }],
  ['REQUEST_TIMEOUT', { ...safe, REQUEST_TIMEOUT: '25h' }],
  ['KEEPALIVE_TIME', { ...safe, KEEPALIVE_TIME: '10ms' }],
  ['KEEPALIVE_TIMEOUT', { ...safe, KEEPALIVE_TIMEOUT: '2h' }],
  ['MAX_CONNECTION_AGE', { ...safe, MAX_CONNECTION_AGE: '481h' }],
  ['MAX_CONNECTION_AGE_GRACE', { ...safe, MAX_CONNECTION_AGE_GRACE: '1d' }],
];

describe.each(SERVERS)('$name with a bad setting', ({ kind, program }) => {
  afterEach(killAll);

  const cases = [...badServerSettings];
  // The Go server exports no spans and reads no OTEL_* (it warns at start-up
  // when an endpoint is set): a malformed sampler is no error there.
  if (kind === 'ts') {
    cases.push([
      'OTEL_TRACES_SAMPLER',
      { ...safe, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_TRACES_SAMPLER: 'often' },
    ]);
  }

  it.each(cases)('exits 2 with one stderr line naming %s (%j)', async (setting, env) => {
    expect(await configErrorLine(program, env)).toMatch(
      new RegExp(`^config error: ${setting}: expected .+, got ".*"$`),
    );
  });
});

describe('both servers with the same bad setting', () => {
  afterEach(killAll);

  it.each(badServerSettings)('say the same about %s, word for word (%j)', async (_setting, env) => {
    const [ts, go] = await Promise.all(SERVERS.map(({ program }) => configErrorLine(program, env)));
    expect(go).toBe(ts);
  });
});

describe('both servers with a HOST or PORT they cannot listen on', () => {
  afterEach(killAll);

  // The metrics server may log first (it binds the same HOST, or started on its own port):
  // what counts is the exit code and the one stderr line, the same from both servers.
  const listenErrorLine = (program: string, env: Record<string, string>) => configErrorLine(program, env, true);

  it('names HOST for an address this machine does not have (TEST-NET-1)', async () => {
    const env = { HOST: '192.0.2.1', PORT: '0', METRICS_PORT: '0' };
    const [ts, go] = await Promise.all(SERVERS.map(({ program }) => listenErrorLine(program, env)));
    expect(ts).toBe(
      'config error: HOST: expected an address of this machine, or a name that resolves to one, got "192.0.2.1"',
    );
    expect(go).toBe(ts);
  });

  it('names PORT for a port another process listens on', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    try {
      const port = String((holder.address() as AddressInfo).port);
      const env = { HOST: '127.0.0.1', PORT: port, METRICS_PORT: '0' };
      const [ts, go] = await Promise.all(SERVERS.map(({ program }) => listenErrorLine(program, env)));
      expect(ts).toBe(`config error: PORT: expected a port no other process listens on, got "${port}"`);
      expect(go).toBe(ts);
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
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
    expect(await configErrorLine(CLIENT_BUNDLE, env)).toMatch(
      new RegExp(`^config error: ${setting}: expected .+, got ".*"$`),
    );
  });
});
