import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Where the container tests get a `docker`: the one on PATH when its daemon
 * answers, else Debian's podman-docker (`/usr/bin/docker`, podman behind the
 * Docker CLI) put first on PATH, since a machine may also have a Docker client
 * without a daemon. `env` is what every docker and nx process must run with.
 */
export type DockerChoice = { ok: true; env: NodeJS.ProcessEnv; summary: string } | { ok: false; reason: string };

const PODMAN_DOCKER = '/usr/bin/docker';

export function chooseDocker(env: NodeJS.ProcessEnv = process.env): DockerChoice {
  const answers = (e: NodeJS.ProcessEnv) => {
    try {
      return execFileSync('docker', ['version', '--format', '{{.Server.Version}}'], {
        env: e,
        stdio: 'pipe',
        timeout: 30_000,
      })
        .toString()
        .trim();
    } catch {
      return undefined;
    }
  };
  const own = answers(env);
  if (own) {
    return { ok: true, env, summary: `docker (server ${own})` };
  }
  const shimDir = mkdtempSync(join(tmpdir(), 'podman-docker-'));
  try {
    symlinkSync(PODMAN_DOCKER, join(shimDir, 'docker'));
  } catch {
    return { ok: false, reason: 'no docker daemon answers and podman-docker is not installed' };
  }
  // chroot isolation: builds run as root inside this (unprivileged) machine.
  const shimmed = { ...env, PATH: `${shimDir}:${env['PATH'] ?? ''}`, BUILDAH_ISOLATION: 'chroot' };
  const podman = answers(shimmed);
  return podman
    ? { ok: true, env: shimmed, summary: `podman ${podman} through podman-docker` }
    : { ok: false, reason: `no docker daemon answers and ${PODMAN_DOCKER} (podman-docker) does not work either` };
}

/** Runs a docker (or npx) command with the chosen environment; rejects with its stderr on failure. */
export function run(env: NodeJS.ProcessEnv, command: string, args: string[], timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { env, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) {
        reject(new Error(`${command} ${args.join(' ')} failed: ${error.message}\n${stderr}`));
      } else {
        resolve(stdout);
      }
    });
  });
}

export interface ImageInfo {
  readonly user: string;
  readonly entrypoint: string[];
  readonly labels: Record<string, string>;
  /** Uncompressed size of all layers, in bytes. */
  readonly size: number;
}

export async function inspectImage(env: NodeJS.ProcessEnv, image: string): Promise<ImageInfo> {
  const [raw] = JSON.parse(await run(env, 'docker', ['image', 'inspect', image])) as Array<{
    Size: number;
    Config: { User?: string; Entrypoint?: string[] | null; Labels?: Record<string, string> | null };
  }>;
  return {
    user: raw.Config.User ?? '',
    entrypoint: raw.Config.Entrypoint ?? [],
    labels: raw.Config.Labels ?? {},
    size: raw.Size,
  };
}

/** The JSON lines of a container's output. */
export async function jsonLogs(env: NodeJS.ProcessEnv, name: string): Promise<Array<Record<string, unknown>>> {
  return (await run(env, 'docker', ['logs', name]))
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
