import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export type BuilderName = 'docker' | 'podman' | 'buildah';
export type RunnerName = 'docker' | 'podman';

/** What is known about one command-line tool on this machine. */
export interface ToolProbe {
  onPath: boolean;
  /** `<tool> info` succeeded: a daemon answers (docker) or the storage and user setup work (podman, buildah). */
  answers: boolean;
}

export interface EngineProbes {
  docker: ToolProbe;
  podman: ToolProbe;
  buildah: ToolProbe;
  runcOnPath: boolean;
}

export interface ContainerEngine {
  builder: BuilderName;
  /** Absent when images can be built but not run (buildah alone). */
  runner?: RunnerName;
  /** Global flags put before every runner subcommand. */
  runnerFlags: string[];
}

export type EngineChoice = { ok: true; engine: ContainerEngine; summary: string } | { ok: false; reason: string };

export interface Invocation {
  command: string;
  args: string[];
}

export interface BuildSpec {
  dockerfile: string;
  context: string;
  image: string;
  buildArgs: Record<string, string>;
}

/**
 * Docker wins when its daemon answers (that is what users have). Otherwise
 * buildah builds (chroot isolation works without a daemon or nested cgroups)
 * and podman, which shares buildah's image store, runs; podman alone does both.
 */
export function chooseEngine(probes: EngineProbes): EngineChoice {
  if (probes.docker.onPath && probes.docker.answers) {
    return {
      ok: true,
      engine: { builder: 'docker', runnerFlags: [], runner: 'docker' },
      summary: 'docker (daemon answers)',
    };
  }
  const podman = probes.podman.onPath && probes.podman.answers;
  const buildah = probes.buildah.onPath && probes.buildah.answers;
  if (podman || buildah) {
    const builder: BuilderName = buildah ? 'buildah' : 'podman';
    // crun fails on hybrid cgroup hosts ("cgroups in hybrid mode not supported"); runc works on both kinds.
    const runnerFlags = podman && probes.runcOnPath ? ['--runtime', 'runc'] : [];
    const engine: ContainerEngine = podman ? { builder, runner: 'podman', runnerFlags } : { builder, runnerFlags };
    const runs = podman
      ? `, runs with podman${runnerFlags.length ? ' --runtime runc' : ''}`
      : ', cannot run containers (no podman)';
    return { ok: true, engine, summary: `builds with ${builder}${runs}; ${describeTool('docker', probes.docker)}` };
  }
  const tools = (['docker', 'podman', 'buildah'] as const).map((name) => describeTool(name, probes[name]));
  return {
    ok: false,
    reason:
      `no usable container engine: ${tools.join('; ')}. ` +
      'Start a Docker daemon, or install podman and buildah (Debian: apt-get install -y buildah podman runc) and run as root.',
  };
}

function describeTool(name: BuilderName, probe: ToolProbe): string {
  if (!probe.onPath) return `${name} is not on PATH`;
  if (probe.answers) return `${name} answers`;
  return name === 'docker'
    ? 'docker is on PATH but no daemon answers (`docker info` failed)'
    : `${name} is on PATH but \`${name} info\` failed (rootless use needs subuid/subgid; root works)`;
}

export function buildInvocation(engine: ContainerEngine, spec: BuildSpec): Invocation {
  const buildArgs = Object.entries(spec.buildArgs).flatMap(([key, value]) => ['--build-arg', `${key}=${value}`]);
  const common = ['-f', spec.dockerfile, '-t', spec.image, ...buildArgs, spec.context];
  switch (engine.builder) {
    case 'docker':
      return { command: 'docker', args: ['build', ...common] };
    case 'buildah':
      return { command: 'buildah', args: ['bud', '--isolation', 'chroot', ...common] };
    case 'podman':
      return { command: 'podman', args: ['build', '--isolation', 'chroot', ...common] };
  }
}

/** A runner subcommand (`run`, `inspect`, `import`, ...) with the engine's global flags. */
export function runnerInvocation(engine: ContainerEngine, args: readonly string[]): Invocation {
  if (!engine.runner) {
    throw new Error(`the ${engine.builder} engine cannot run or import images: install podman or use docker`);
  }
  return { command: engine.runner, args: [...engine.runnerFlags, ...args] };
}

/** First executable called `name` in the PATH list `pathEnv`. */
export function findOnPath(name: string, pathEnv: string | undefined): string | undefined {
  for (const dir of (pathEnv ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; keep looking
    }
  }
  return undefined;
}

export interface ProbeOptions {
  /** PATH to search; default process.env.PATH. */
  pathEnv?: string;
  /** Bound on each `info` call, so a daemon that never answers counts as absent. Default 15 000 ms. */
  timeoutMs?: number;
}

/**
 * Synchronous on purpose: test files must decide whether to register their
 * container suites while Jest collects them, before anything async can run.
 */
export function probeEngines(options: ProbeOptions = {}): EngineProbes {
  const { pathEnv = process.env['PATH'], timeoutMs = 15_000 } = options;
  const probe = (name: BuilderName): ToolProbe => {
    const path = findOnPath(name, pathEnv);
    if (!path) return { onPath: false, answers: false };
    const result = spawnSync(path, ['info'], { stdio: 'ignore', timeout: timeoutMs });
    return { onPath: true, answers: result.status === 0 };
  };
  return {
    docker: probe('docker'),
    podman: probe('podman'),
    buildah: probe('buildah'),
    runcOnPath: findOnPath('runc', pathEnv) !== undefined,
  };
}

/** Probes this machine and picks an engine, or throws saying why none can be used. */
export function resolveEngine(options: ProbeOptions = {}): ContainerEngine {
  const choice = chooseEngine(probeEngines(options));
  if (!choice.ok) throw new Error(choice.reason);
  return choice.engine;
}
