import type { EngineChoice } from './container-engine.js';
import { decideContainerSuite } from './container-suite.js';

const runnable: EngineChoice = {
  ok: true,
  engine: { builder: 'buildah', runner: 'podman', runnerFlags: ['--runtime', 'runc'] },
  summary: 'builds with buildah, runs with podman',
};
const buildOnly: EngineChoice = {
  ok: true,
  engine: { builder: 'buildah', runnerFlags: [] },
  summary: 'builds with buildah',
};
const none: EngineChoice = { ok: false, reason: 'no usable container engine: podman is not on PATH' };

describe('decideContainerSuite', () => {
  it('runs when images can be built and run on Linux, CI or not', () => {
    expect(decideContainerSuite(runnable, {}, 'linux')).toMatchObject({
      action: 'run',
      engine: runnable.ok && runnable.engine,
    });
    expect(decideContainerSuite(runnable, { CI: 'true' }, 'linux').action).toBe('run');
  });

  it('skips off CI and says why', () => {
    const decision = decideContainerSuite(none, {}, 'linux');
    expect(decision.action).toBe('skip');
    expect(decision.message).toContain('podman is not on PATH');
    expect(decision.message).toContain('CI=true');
  });

  it('fails instead of skipping when CI=true', () => {
    expect(decideContainerSuite(none, { CI: 'true' }, 'linux')).toMatchObject({
      action: 'fail',
      message: expect.stringContaining('podman is not on PATH'),
    });
    expect(decideContainerSuite(buildOnly, { CI: 'true' }, 'linux')).toMatchObject({
      action: 'fail',
      message: expect.stringContaining('built but not run'),
    });
  });

  it('does not treat other CI values as CI', () => {
    expect(decideContainerSuite(none, { CI: 'false' }, 'linux').action).toBe('skip');
  });

  it('needs a Linux node binary for the base stand-in', () => {
    expect(decideContainerSuite(runnable, {}, 'darwin')).toMatchObject({
      action: 'skip',
      message: expect.stringContaining('darwin'),
    });
  });
});
