import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { unusedPort } from '@protomesh/testing';
import { runChecked } from './container-command.js';
import {
  buildInvocation,
  chooseEngine,
  type ContainerEngine,
  probeEngines,
  runnerInvocation,
} from './container-engine.js';
import {
  type AppName,
  buildAppImage,
  type BuiltImage,
  inspectImage,
  readAppVersion,
  removeImage,
} from './container-image.js';
import { containerLogs, removeContainer, signalContainer, startContainer, waitForExit } from './container-run.js';
import { decideContainerSuite } from './container-suite.js';
import { buildNodeBaseImage, NONROOT_UID } from './node-base-image.js';

const ROOT = resolve(__dirname, '..', '..');
// Unique per run, so concurrent runs cannot remove each other's images; removed afterwards.
const TAG = `spec-${process.pid}`;
const ISTIO_PROXY_UID = 1337;

const decision = decideContainerSuite(chooseEngine(probeEngines()), process.env, process.platform);

if (decision.action === 'fail') {
  describe('container images', () => {
    it('needs a usable container engine', () => {
      throw new Error(decision.message);
    });
  });
} else if (decision.action === 'skip') {
  console.warn(decision.message);
  it.skip(decision.message, () => undefined);
} else {
  console.info(decision.message);
  describeContainerImages(decision.engine);
}

function describeContainerImages(engine: ContainerEngine): void {
  const images = {} as Record<AppName, BuiltImage>;
  let base = '';
  const containers: string[] = [];
  let containerCount = 0;
  const containerName = (role: string) => {
    const name = `protomesh-spec-${process.pid}-${++containerCount}-${role}`;
    containers.push(name);
    return name;
  };

  beforeAll(async () => {
    const stand = await buildNodeBaseImage({ engine });
    base = stand.image;
    images.server = await buildAppImage({ app: 'server', root: ROOT, engine, base, tag: TAG });
    images.client = await buildAppImage({ app: 'client', root: ROOT, engine, base, tag: TAG });
    const [baseInfo, serverInfo, clientInfo] = await Promise.all([
      inspectImage(engine, base),
      inspectImage(engine, images.server.image),
      inspectImage(engine, images.client.image),
    ]);
    const mb = (bytes: number) => `${(bytes / 1e6).toFixed(2)} MB`;
    console.info(
      `${base}: ${mb(baseInfo.size)} (${stand.reused ? 'reused' : `built in ${stand.durationMs} ms`}); ` +
        `server: ${mb(serverInfo.size)} (built in ${images.server.durationMs} ms); ` +
        `client: ${mb(clientInfo.size)} (built in ${images.client.durationMs} ms)`,
    );
  }, 180_000);

  const removeContainersNow = async () => {
    for (const name of containers.splice(0)) await removeContainer(engine, name);
  };
  afterEach(removeContainersNow, 60_000);

  afterAll(async () => {
    for (const built of Object.values(images)) await removeImage(engine, built.image);
  }, 60_000);

  describe.each(['server', 'client'] as const)('%s image', (app) => {
    it('runs node directly as a fixed non-root user and carries OCI labels', async () => {
      const info = await inspectImage(engine, images[app].image);
      const [uid, gid] = info.user.split(':');
      expect(uid).toBe(String(NONROOT_UID));
      expect(gid).toBe(String(NONROOT_UID));
      expect(uid).not.toBe(String(ISTIO_PROXY_UID));
      expect(info.entrypoint).toEqual(['node', '/app/main.js']);
      expect(info.labels).toMatchObject({
        'org.opencontainers.image.title': `protomesh-${app}`,
        'org.opencontainers.image.version': readAppVersion(ROOT, app),
      });
      expect(info.labels).toHaveProperty(['org.opencontainers.image.source']);
      if (app === 'server') expect(info.env).toContain(`SERVICE_VERSION=${readAppVersion(ROOT, app)}`);
    });

    it('adds at most 5 MB to its base image', async () => {
      const [image, baseInfo] = await Promise.all([
        inspectImage(engine, images[app].image),
        inspectImage(engine, base),
      ]);
      expect(image.size - baseInfo.size).toBeGreaterThan(0);
      expect(image.size - baseInfo.size).toBeLessThanOrEqual(5e6);
    });
  });

  async function startServer(env: Record<string, string> = {}): Promise<{ name: string; port: number }> {
    const port = await unusedPort();
    const name = containerName('server');
    await startContainer(engine, {
      name,
      image: images.server.image,
      env: { HOST: '127.0.0.1', PORT: String(port), ...env },
    });
    // Its log line, not a probe connection: a probe would look like a client to hasEstablishedConnection.
    const listening = async () => (await containerLogs(engine, name)).includes('"greeter server listening"');
    await waitUntil(listening, 15_000, `server container ${name} listening on 127.0.0.1:${port}`);
    return { name, port };
  }

  it('gets a build context holding only the app bundles (.dockerignore)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'context-probe-'));
    const image = `protomesh/context-probe:${TAG}`;
    try {
      writeFileSync(join(dir, 'Dockerfile'), `FROM ${base}\nCOPY . /ctx/\n`);
      const build = buildInvocation(engine, {
        dockerfile: join(dir, 'Dockerfile'),
        context: '.',
        image,
        buildArgs: {},
      });
      await runChecked(build.command, build.args, { cwd: ROOT, timeoutMs: 60_000 });
      const name = containerName('context');
      const list = "console.log(require('fs').readdirSync('/ctx', { recursive: true }).sort().join('\\n'))";
      await startContainer(engine, { name, image, command: ['-e', list] });
      expect(await waitForExit(engine, name, 30_000)).toBe(0);
      const files = (await containerLogs(engine, name)).trim().split('\n');
      expect(files).toEqual([
        'dist',
        'dist/apps',
        'dist/apps/client',
        'dist/apps/client/main.js',
        'dist/apps/server',
        'dist/apps/server/main.js',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await removeContainersNow();
      await removeImage(engine, image);
    }
  }, 60_000);

  it('serves a client container, with node running as the non-root user', async () => {
    const server = await startServer();
    const pid = (await runner(engine, ['container', 'inspect', '--format', '{{.State.Pid}}', server.name])).trim();
    const uids = /^Uid:\s+(.*)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1].split(/\s+/);
    expect(uids).toEqual(Array(4).fill(String(NONROOT_UID)));

    const client = containerName('client');
    await startContainer(engine, {
      name: client,
      image: images.client.image,
      env: { SERVER_URL: `http://127.0.0.1:${server.port}`, COUNT: '3', INTERVAL: '100ms' },
    });
    expect(await waitForExit(engine, client, 30_000)).toBe(0);
    const calls = jsonLines(await containerLogs(engine, client)).filter((line) => line['msg'] === 'SayHello OK');
    expect(calls).toHaveLength(3);
    expect(calls.map((call) => call['serverVersion'])).toEqual(Array(3).fill(readAppVersion(ROOT, 'server')));
  }, 60_000);

  it('on SIGTERM finishes the call in flight, then exits 0 within its drain timeout', async () => {
    const drainTimeoutMs = 5_000;
    const server = await startServer({ FAULT_DELAY: '1s', FAULT_DELAY_PERCENT: '100', DRAIN_TIMEOUT: '5s' });
    const client = containerName('client');
    await startContainer(engine, {
      name: client,
      image: images.client.image,
      // One attempt: a retry must not be able to hide a call the drain dropped.
      env: { SERVER_URL: `http://127.0.0.1:${server.port}`, COUNT: '1', TIMEOUT: '5s', MAX_ATTEMPTS: '1' },
    });
    // The client connects only to send its call, which the server then holds for 1 s.
    await waitUntil(async () => hasEstablishedConnection(server.port), 15_000, 'client connected to the server');
    await new Promise((done) => setTimeout(done, 200));
    await signalContainer(engine, server.name, 'TERM');

    expect(await waitForExit(engine, server.name, drainTimeoutMs + 2_000)).toBe(0);
    expect(await waitForExit(engine, client, 10_000)).toBe(0);
    const serverLines = jsonLines(await containerLogs(engine, server.name));
    const clientLines = jsonLines(await containerLogs(engine, client));
    const draining = serverLines.find((line) => String(line['msg']).startsWith('draining'));
    const call = clientLines.find((line) => String(line['msg']).startsWith('SayHello'));
    expect(call).toMatchObject({ code: 'OK', attempts: 1 });
    expect(serverLines.map((line) => line['msg'])).toContain('drained, exiting');
    // The drain began before the call ended: it was in flight, not already done.
    expect(Date.parse(String(draining?.['time']))).toBeLessThan(Date.parse(String(call?.['time'])));
  }, 60_000);
}

function runner(engine: ContainerEngine, args: string[]): Promise<string> {
  const { command, args: full } = runnerInvocation(engine, args);
  return runChecked(command, full, { timeoutMs: 30_000 });
}

function jsonLines(text: string): Array<Record<string, unknown>> {
  return text
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** An ESTABLISHED IPv4 TCP connection whose local end is `port` (host networking shares this table). */
function hasEstablishedConnection(port: number): boolean {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  return readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .slice(1)
    .some((line) => {
      const fields = line.trim().split(/\s+/);
      return fields[1]?.endsWith(`:${hexPort}`) && fields[3] === '01';
    });
}

async function waitUntil(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 50));
  }
}
