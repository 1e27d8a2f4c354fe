import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';

const root = resolve(__dirname, '../../..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');
const appVersion = (app: string) => (JSON.parse(read(`apps/${app}/package.json`)) as { version: string }).version;

interface ReleaseGroup {
  projects: string[];
  docker?: { repositoryName: string };
}

const groups = (JSON.parse(read('nx.json')) as { release: { groups: Record<string, ReleaseGroup> } }).release.groups;
/** The apps that ship an image (those `npx nx g @protomesh/tools:service` adds included). */
const releasedApps = readdirSync(join(root, 'apps')).filter((app) => existsSync(join(root, 'apps', app, 'Dockerfile')));

describe('one version for the apps, their images and the chart', () => {
  it('has no drift: the apps, the chart and the images it deploys carry the same version', () => {
    const chart = parse(read('charts/protomesh/Chart.yaml')) as { version: string; appVersion: string };
    const version = appVersion('server');
    expect(releasedApps).toEqual(expect.arrayContaining(['server', 'server-go', 'client']));
    expect({
      ...Object.fromEntries(releasedApps.map((app) => [app, appVersion(app)])),
      chart: chart.version,
      appVersion: chart.appVersion,
    }).toEqual({
      ...Object.fromEntries(releasedApps.map((app) => [app, version])),
      chart: version,
      appVersion: version,
    });
  });

  it('releases each image to the repository the chart deploys it from', () => {
    const values = parse(read('charts/protomesh/values.yaml')) as {
      services: Record<string, { image: { repository: string; tag: string } }>;
    };
    // Every entry of the chart is an app released in a group of its name, and every released app is an entry.
    expect(Object.keys(values.services).sort()).toEqual([...releasedApps].sort());
    for (const app of releasedApps) {
      expect(groups[app]).toMatchObject({ projects: [`@protomesh/${app}`] });
      expect(values.services[app].image).toMatchObject({ repository: groups[app].docker?.repositoryName, tag: '' });
    }
  });

  it('moves every version at once with nx release version', () => {
    const next = '99.1.2';
    // NX_DRY_RUN too: the docker versioning consults it, not the flag, before tagging.
    const run = spawnSync('npx', ['nx', 'release', 'version', next, '--dry-run'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, NX_DRY_RUN: 'true', NX_DAEMON: 'false', NX_NO_CLOUD: 'true' },
      timeout: 60_000,
    });
    expect(run.status).toBe(0);
    // eslint-disable-next-line no-control-regex
    const output = (run.stdout + run.stderr).replace(/\x1b\[[0-9;]*m/g, '');
    for (const manifest of [...releasedApps.map((app) => `apps/${app}/package.json`), 'charts/protomesh/Chart.yaml']) {
      expect(output).toContain(`UPDATE ${manifest} [dry-run]`);
    }
    expect(output).toContain(`+   "version": "${next}",`);
    expect(output).toContain(`+ version: ${next}`);
    expect(output).toContain(`+ appVersion: "${next}"`);
    for (const app of releasedApps) {
      expect(output).toContain(`Image would be tagged with ${groups[app].docker?.repositoryName}:${next}`);
    }
  }, 90_000);
});
