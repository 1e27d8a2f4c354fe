import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import {
  buildInvocation,
  chooseEngine,
  type EngineProbes,
  findOnPath,
  runnerInvocation,
  type ToolProbe,
} from './container-engine.js';

const absent: ToolProbe = { onPath: false, answers: false };
const silent: ToolProbe = { onPath: true, answers: false };
const working: ToolProbe = { onPath: true, answers: true };

function probes(overrides: Partial<EngineProbes>): EngineProbes {
  return { docker: absent, podman: absent, buildah: absent, runcOnPath: false, ...overrides };
}

describe('chooseEngine', () => {
  it('prefers docker when its daemon answers, even with podman and buildah present', () => {
    const choice = chooseEngine(probes({ docker: working, podman: working, buildah: working, runcOnPath: true }));
    expect(choice).toMatchObject({ ok: true, engine: { builder: 'docker', runner: 'docker', runnerFlags: [] } });
  });

  it('builds with buildah and runs with podman on runc when docker is on PATH without a daemon', () => {
    const choice = chooseEngine(probes({ docker: silent, podman: working, buildah: working, runcOnPath: true }));
    expect(choice).toMatchObject({
      ok: true,
      engine: { builder: 'buildah', runner: 'podman', runnerFlags: ['--runtime', 'runc'] },
    });
    expect(choice.ok && choice.summary).toContain('docker is on PATH but no daemon answers');
  });

  it('uses podman for both jobs, on its default runtime, when it is alone', () => {
    const choice = chooseEngine(probes({ podman: working }));
    expect(choice).toMatchObject({ ok: true, engine: { builder: 'podman', runner: 'podman', runnerFlags: [] } });
  });

  it('can build but not run with buildah alone', () => {
    const choice = chooseEngine(probes({ buildah: working, runcOnPath: true }));
    expect(choice.ok).toBe(true);
    expect(choice.ok && choice.engine.runner).toBeUndefined();
    expect(choice.ok && choice.summary).toContain('cannot run containers');
  });

  it('explains every tool when none can be used', () => {
    const choice = chooseEngine(probes({ docker: silent, podman: silent }));
    expect(choice.ok).toBe(false);
    const reason = choice.ok ? '' : choice.reason;
    expect(reason).toContain('docker is on PATH but no daemon answers');
    expect(reason).toContain('podman is on PATH but `podman info` failed');
    expect(reason).toContain('buildah is not on PATH');
  });
});

describe('buildInvocation', () => {
  const spec = {
    dockerfile: 'apps/server/Dockerfile',
    context: '.',
    image: 'protomesh/server:1.2.3',
    buildArgs: { VERSION: '1.2.3' },
  };
  const tail = ['-f', 'apps/server/Dockerfile', '-t', 'protomesh/server:1.2.3', '--build-arg', 'VERSION=1.2.3', '.'];

  it('uses chroot isolation with buildah, which needs no daemon and no nested cgroups', () => {
    expect(buildInvocation({ builder: 'buildah', runnerFlags: [] }, spec)).toEqual({
      command: 'buildah',
      args: ['bud', '--isolation', 'chroot', ...tail],
    });
  });

  it('uses plain docker build with docker', () => {
    expect(buildInvocation({ builder: 'docker', runner: 'docker', runnerFlags: [] }, spec)).toEqual({
      command: 'docker',
      args: ['build', ...tail],
    });
  });
});

describe('runnerInvocation', () => {
  it('puts the global flags before the subcommand', () => {
    const engine = { builder: 'buildah' as const, runner: 'podman' as const, runnerFlags: ['--runtime', 'runc'] };
    expect(runnerInvocation(engine, ['run', 'x'])).toEqual({
      command: 'podman',
      args: ['--runtime', 'runc', 'run', 'x'],
    });
  });

  it('refuses when nothing can run containers', () => {
    expect(() => runnerInvocation({ builder: 'buildah', runnerFlags: [] }, ['run', 'x'])).toThrow(
      /install podman or use docker/,
    );
  });
});

describe('findOnPath', () => {
  let dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    dirs = [];
  });

  it('returns the first executable match and passes over files that are not executable', () => {
    dirs = [mkdtempSync(join(tmpdir(), 'path-a-')), mkdtempSync(join(tmpdir(), 'path-b-'))];
    writeFileSync(join(dirs[0], 'podman'), '');
    chmodSync(join(dirs[0], 'podman'), 0o644);
    writeFileSync(join(dirs[1], 'podman'), '#!/bin/sh\n');
    chmodSync(join(dirs[1], 'podman'), 0o755);
    const pathEnv = dirs.join(delimiter);
    expect(findOnPath('podman', pathEnv)).toBe(join(dirs[1], 'podman'));
    expect(findOnPath('docker', pathEnv)).toBeUndefined();
    expect(findOnPath('podman', undefined)).toBeUndefined();
  });
});
