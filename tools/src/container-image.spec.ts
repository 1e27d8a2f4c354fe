import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appImageName, buildAppImage, readAppVersion, resolveSourceUrl, toBrowsableUrl } from './container-image.js';

describe('toBrowsableUrl', () => {
  it.each([
    ['git@github.com:acme/protomesh.git', 'https://github.com/acme/protomesh'],
    ['git+https://github.com/acme/protomesh.git', 'https://github.com/acme/protomesh'],
    ['https://gitlab.example.com/acme/protomesh', 'https://gitlab.example.com/acme/protomesh'],
  ])('%s → %s', (url, expected) => {
    expect(toBrowsableUrl(url)).toBe(expected);
  });
});

describe('with a scratch workspace', () => {
  let root = '';
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'workspace-spec-'));
    mkdirSync(join(root, 'apps', 'server'), { recursive: true });
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('reads the version from apps/<app>/package.json and names the image after it', () => {
    writeFileSync(join(root, 'apps', 'server', 'package.json'), JSON.stringify({ version: '2.3.4' }));
    expect(appImageName('server', readAppVersion(root, 'server'))).toBe('protomesh/server:2.3.4');
  });

  it('refuses a package.json without a version', () => {
    writeFileSync(join(root, 'apps', 'server', 'package.json'), JSON.stringify({ name: 'x' }));
    expect(() => readAppVersion(root, 'server')).toThrow('apps/server/package.json has no "version"');
  });

  it('takes the source URL from the root package.json "repository" first', async () => {
    writeFileSync(
      join(root, 'package.json'),
      JSON.stringify({ repository: { url: 'git+https://github.com/acme/protomesh.git' } }),
    );
    await expect(resolveSourceUrl(root)).resolves.toBe('https://github.com/acme/protomesh');
  });

  it('names the missing bundle and the command that makes it, before touching any engine', async () => {
    writeFileSync(join(root, 'apps', 'server', 'package.json'), JSON.stringify({ version: '2.3.4' }));
    await expect(
      buildAppImage({ app: 'server', root, engine: { builder: 'buildah', runnerFlags: [] } }),
    ).rejects.toThrow('dist/apps/server/main.js is missing: run `npx nx build @protomesh/server` first');
  });
});
