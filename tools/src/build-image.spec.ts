import { join, resolve } from 'node:path';
import { parseBuildImageArgs } from './build-image.js';
import { UsageError } from './container-cli.js';
import { runCommand } from './container-command.js';

describe('parseBuildImageArgs', () => {
  it('takes the app and optional --base and --tag', () => {
    expect(parseBuildImageArgs(['server'])).toEqual({ app: 'server' });
    expect(parseBuildImageArgs(['client', '--base', 'localhost/node-base:20', '--tag', 'spec'])).toEqual({
      app: 'client',
      base: 'localhost/node-base:20',
      tag: 'spec',
    });
  });

  it.each([
    [[], 'app: expected one of server|client, got nothing'],
    [['web'], 'app: expected one of server|client, got "web"'],
    [['server', 'client'], 'app: expected one of server|client, got "server client"'],
    [['server', '--tag', 'not a tag'], '--tag: expected an image tag'],
    [['server', '--tag', ':1.0'], '--tag: expected an image tag'],
    [['server', '--base', ''], '--base: expected an image reference'],
    [['server', '--push'], "Unknown option '--push'"],
  ])('rejects %j', (argv, message) => {
    expect(() => parseBuildImageArgs(argv)).toThrow(UsageError);
    expect(() => parseBuildImageArgs(argv)).toThrow(message);
  });
});

describe('build-image CLI', () => {
  it('exits 2 with one line naming the setting and the expected form', async () => {
    const root = resolve(__dirname, '..', '..');
    const result = await runCommand(join(root, 'node_modules', '.bin', 'tsx'), ['tools/src/build-image.ts', 'web'], {
      cwd: root,
      timeoutMs: 30_000,
    });
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toEqual([
      'app: expected one of server|client, got "web" (usage: tsx tools/src/build-image.ts server|client [--base IMAGE] [--tag TAG])',
    ]);
  }, 40_000);
});
