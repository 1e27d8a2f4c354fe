import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { describeWhen } from '@protomesh/testing';
import { chooseDocker, inspectImage, jsonLogs, run } from './support/docker.js';

const ROOT = resolve(__dirname, '../../..');
const NONROOT_UID = '65532';
const ISTIO_PROXY_UID = '1337';
// Unique per run, so concurrent runs cannot remove each other's images; removed afterwards.
const TAG = `spec-${process.pid}`;
/** The images on the Node base. */
const APPS = ['server', 'client'] as const;
/** Both implementations of the greeter server (apps/server, apps/server-go). */
const SERVER_APPS = ['server', 'server-go'] as const;
type App = (typeof APPS)[number] | (typeof SERVER_APPS)[number];

const appVersion = (app: App) =>
  (JSON.parse(readFileSync(join(ROOT, 'apps', app, 'package.json'), 'utf8')) as { version: string }).version;

const choice = chooseDocker();
if (choice.ok) {
  console.info(`container tests run with ${choice.summary}`);
}
describeWhen('container images', choice.ok ? undefined : choice.reason, () => {
  if (choice.ok) {
    describeContainerImages(choice.env);
  }
});

function describeContainerImages(env: NodeJS.ProcessEnv): void {
  const docker = (args: string[], timeoutMs?: number) => run(env, 'docker', args, timeoutMs);
  const image = (app: App) => `protomesh-spec/${app}:${TAG}`;
  let base = '';
  let staticBase = '';
  const containers: string[] = [];
  const containerName = (role: string) => {
    const name = `protomesh-spec-${process.pid}-${containers.length + 1}-${role}`;
    containers.push(name);
    return name;
  };

  beforeAll(async () => {
    base = (await run(env, join(ROOT, 'tools/scripts/node-base-image.sh'), [], 120_000)).trim();
    for (const app of APPS) {
      // The Nx target @nx/docker infers from the Dockerfile, with the stand-in base and a tag of this run.
      await run(
        env,
        'npx',
        ['nx', 'run', `@protomesh/${app}:docker:build`, `--build-arg=NODE_IMAGE=${base}`, `--tag=${image(app)}`],
        300_000,
      );
    }
    // The Go image's prebuilt target copies the binary of the Nx build onto a
    // stand-in for distroless/static (its default target would pull golang).
    // After `--`: Nx would take --target for itself.
    staticBase = (await run(env, join(ROOT, 'tools/scripts/node-base-image.sh'), ['--static'], 120_000)).trim();
    await run(
      env,
      'npx',
      [
        'nx',
        'run',
        '@protomesh/server-go:docker:build',
        '--',
        '--target=prebuilt',
        `--build-arg=BASE_IMAGE=${staticBase}`,
        `--tag=${image('server-go')}`,
      ],
      300_000,
    );
  }, 600_000);

  afterEach(async () => {
    for (const name of containers.splice(0)) {
      await docker(['rm', '-f', name]);
    }
  }, 60_000);

  afterAll(async () => {
    await docker(['rmi', ...APPS.map(image), image('server-go')]).catch(() => undefined);
  }, 60_000);

  /** Starts a container of `app` in the background; `entrypoint` replaces the image's. */
  async function start(
    role: string,
    app: App,
    envVars: Record<string, string>,
    entrypoint: string[] = [],
  ): Promise<string> {
    const name = containerName(role);
    const vars = Object.entries(envVars).flatMap(([key, value]) => ['-e', `${key}=${value}`]);
    const [command, ...args] = entrypoint;
    const override = command === undefined ? [] : ['--entrypoint', command];
    await docker(['run', '-d', '--name', name, '--network', 'host', ...vars, ...override, image(app), ...args]);
    return name;
  }

  const exitCode = async (name: string, timeoutMs: number) =>
    Number((await docker(['wait', name], timeoutMs)).trim().split('\n').pop());

  async function startServer(
    app: (typeof SERVER_APPS)[number],
    envVars: Record<string, string> = {},
  ): Promise<{ name: string; port: number }> {
    const name = await start('server', app, {
      HOST: '127.0.0.1',
      // Host network: the server picks a free port and says which in its start-up line.
      PORT: '0',
      METRICS_PORT: '0',
      // No load balancer to wait for before the drain.
      DRAIN_DELAY: '0s',
      ...envVars,
    });
    // Its log line, not a probe connection: a probe would look like a client to hasEstablishedConnection.
    const deadline = Date.now() + 15_000;
    let listening: Record<string, unknown> | undefined;
    while (
      (listening = (await jsonLogs(env, name)).find((line) => line['msg'] === 'greeter server listening')) === undefined
    ) {
      if (Date.now() > deadline) throw new Error(`server container ${name} did not start`);
      await delay(100);
    }
    return { name, port: Number(String(listening['address']).split(':').pop()) };
  }

  describe.each(APPS)('%s image', (app) => {
    it('runs Node 24 directly as a fixed non-root user, with OCI labels', async () => {
      const info = await inspectImage(env, image(app));
      expect(info.user).toBe(`${NONROOT_UID}:${NONROOT_UID}`);
      expect(info.user).not.toContain(ISTIO_PROXY_UID);
      expect(info.entrypoint).toEqual(['node', '/app/main.js']);
      expect(info.labels).toMatchObject({
        'org.opencontainers.image.title': `protomesh-${app}`,
        'org.opencontainers.image.licenses': 'MIT',
      });
      const name = await start('version', app, {}, ['node', '--version']);
      await docker(['wait', name]);
      expect((await docker(['logs', name])).trim()).toBe('v24.22.3');
    });

    it('adds at most 5 MB to its base image', async () => {
      const [built, baseInfo] = [await inspectImage(env, image(app)), await inspectImage(env, base)];
      expect(built.size - baseInfo.size).toBeGreaterThan(0);
      expect(built.size - baseInfo.size).toBeLessThanOrEqual(5e6);
    });
  });

  describe('server-go image', () => {
    it('runs the static binary directly as a fixed non-root user, with OCI labels', async () => {
      const info = await inspectImage(env, image('server-go'));
      expect(info.user).toBe(`${NONROOT_UID}:${NONROOT_UID}`);
      expect(info.user).not.toContain(ISTIO_PROXY_UID);
      expect(info.entrypoint).toEqual(['/app/greeter-server']);
      expect(info.labels).toMatchObject({
        'org.opencontainers.image.title': 'protomesh-server-go',
        'org.opencontainers.image.licenses': 'MIT',
      });
    });

    it('adds one static binary, at most 20 MB, to its base image', async () => {
      const [built, baseInfo] = [await inspectImage(env, image('server-go')), await inspectImage(env, staticBase)];
      expect(built.size - baseInfo.size).toBeGreaterThan(0);
      expect(built.size - baseInfo.size).toBeLessThanOrEqual(20e6);
    });
  });

  it('gets a build context holding only the app bundles, the Go binaries and the Go sources (.dockerignore)', async () => {
    const probe = `protomesh-spec/context:${TAG}`;
    const name = containerName('context');
    try {
      await run(
        env,
        'sh',
        [
          '-c',
          `cd ${ROOT} && printf 'FROM ${base}\\nCOPY . /ctx/\\n' | docker build --quiet --tag ${probe} --file - .`,
        ],
        60_000,
      );
      const list = "console.log(require('fs').readdirSync('/ctx', { recursive: true }).sort().join('\\n'))";
      await docker(['run', '--name', name, probe, '-e', list]);
      expect((await docker(['logs', name])).trim().split('\n')).toEqual(expectedContext().sort());
    } finally {
      // The container first: an image a container still uses cannot be removed.
      await docker(['rm', '-f', name]).catch(() => undefined);
      await docker(['rmi', probe]).catch(() => undefined);
    }
  }, 60_000);

  it.each(SERVER_APPS)(
    '%s: serves a client container, running as the non-root user',
    async (app) => {
      const server = await startServer(app);
      const pid = (await docker(['container', 'inspect', '--format', '{{.State.Pid}}', server.name])).trim();
      const uids = /^Uid:\s+(.*)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1].split(/\s+/);
      expect(uids).toEqual(Array(4).fill(NONROOT_UID));

      const client = await start('client', 'client', {
        SERVER_URL: `http://127.0.0.1:${server.port}`,
        COUNT: '3',
        INTERVAL: '100ms',
        METRICS_PORT: '0',
      });
      expect(await exitCode(client, 30_000)).toBe(0);
      const calls = (await jsonLogs(env, client)).filter((line) => line['msg'] === 'SayHello OK');
      expect(calls.map((call) => call['serverVersion'])).toEqual(Array(3).fill(appVersion(app)));
    },
    60_000,
  );

  it.each(SERVER_APPS)(
    '%s: on SIGTERM finishes the call in flight, then exits 0 within its drain timeout',
    async (app) => {
      const drainTimeoutMs = 5_000;
      const server = await startServer(app, { FAULT_DELAY: '1s', FAULT_DELAY_PERCENT: '100', DRAIN_TIMEOUT: '5s' });
      // One attempt: a retry must not be able to hide a call the drain dropped.
      const client = await start('client', 'client', {
        SERVER_URL: `http://127.0.0.1:${server.port}`,
        COUNT: '1',
        TIMEOUT: '5s',
        MAX_ATTEMPTS: '1',
        METRICS_PORT: '0',
      });
      // The client connects only to send its call, which the server then holds for 1 s.
      const deadline = Date.now() + 15_000;
      while (!hasEstablishedConnection(server.port)) {
        if (Date.now() > deadline) throw new Error('the client never connected');
        await delay(50);
      }
      await delay(200);
      await docker(['kill', '--signal', 'TERM', server.name]);

      expect(await exitCode(server.name, drainTimeoutMs + 2_000)).toBe(0);
      expect(await exitCode(client, 10_000)).toBe(0);
      const serverLines = await jsonLogs(env, server.name);
      const draining = serverLines.find((line) => String(line['msg']).startsWith('draining'));
      const call = (await jsonLogs(env, client)).find((line) => String(line['msg']).startsWith('SayHello'));
      expect(call).toMatchObject({ code: 'OK', attempts: 1 });
      expect(serverLines.map((line) => line['msg'])).toContain('drained, exiting');
      // The drain began before the call ended: it was in flight, not already done.
      expect(Date.parse(String(draining?.['time']))).toBeLessThan(Date.parse(String(call?.['time'])));
    },
    60_000,
  );
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

/**
 * What .dockerignore lets into a build context: the build of each app with a
 * Dockerfile that has been built (its bundle, or its Go binary), and what the
 * Go images' default target compiles: each Go app's module and
 * libs/go-service, without their tests. Apps the service generator adds
 * (npx nx g @protomesh/tools:service) are apps like the others here.
 */
function expectedContext(): string[] {
  const withParents = (path: string) => path.split('/').map((_, i, parts) => parts.slice(0, i + 1).join('/'));
  const sources = (dir: string, entries: string[]) =>
    entries.flatMap((entry) => [
      `${dir}/${entry}`,
      ...(statSync(join(ROOT, dir, entry)).isDirectory()
        ? readdirSync(join(ROOT, dir, entry), { recursive: true, withFileTypes: true })
            .filter((found) => !found.name.endsWith('_test.go'))
            .map((found) => relative(ROOT, join(found.parentPath, found.name)))
        : []),
    ]);
  const apps = readdirSync(join(ROOT, 'apps')).filter((app) => existsSync(join(ROOT, 'apps', app, 'Dockerfile')));
  const goApps = apps.filter((app) => existsSync(join(ROOT, 'apps', app, 'go.mod')));
  const builds = apps.map((app) =>
    goApps.includes(app)
      ? `dist/apps/${app}/${readdirSync(join(ROOT, 'apps', app, 'cmd'))[0]}`
      : `dist/apps/${app}/main.js`,
  );
  expect(builds).toEqual(
    expect.arrayContaining([
      'dist/apps/server/main.js',
      'dist/apps/client/main.js',
      'dist/apps/server-go/greeter-server',
    ]),
  );
  const library = ['go.mod', 'go.sum', 'grpcserver', 'grpctest', 'runtime', 'service', 'telemetry'];
  return [
    ...new Set(
      [
        ...builds.filter((build) => existsSync(join(ROOT, build))),
        ...goApps.flatMap((app) =>
          sources(`apps/${app}`, ['go.mod', 'go.sum', 'package.json', 'cmd', 'internal', 'gen']),
        ),
        ...(goApps.length > 0 ? sources('libs/go-service', library) : []),
      ].flatMap(withParents),
    ),
  ];
}
