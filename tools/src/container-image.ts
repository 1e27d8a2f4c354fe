import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatCommand, runChecked, runCommand } from './container-command.js';
import { buildInvocation, type ContainerEngine, runnerInvocation } from './container-engine.js';

export const APP_NAMES = ['server', 'client'] as const;
export type AppName = (typeof APP_NAMES)[number];

export function isAppName(value: string): value is AppName {
  return (APP_NAMES as readonly string[]).includes(value);
}

export interface AppImageOptions {
  app: AppName;
  /** Workspace root: the build context and where dist/ and apps/ live. */
  root: string;
  engine: ContainerEngine;
  /** Node runtime base image (the NODE_IMAGE build arg); default: the Dockerfile's own default. */
  base?: string;
  /** Image tag; default: the app's package.json version. */
  tag?: string;
  /** Show the builder's output; default false. */
  echo?: boolean;
  /** Bound on the build; default 300 000 ms (a first pull of the real base can be slow). */
  timeoutMs?: number;
}

export interface BuiltImage {
  image: string;
  version: string;
  durationMs: number;
}

export function readAppVersion(root: string, app: AppName): string {
  const manifest = JSON.parse(readFileSync(join(root, 'apps', app, 'package.json'), 'utf8')) as { version?: unknown };
  if (typeof manifest.version !== 'string' || manifest.version === '') {
    throw new Error(`apps/${app}/package.json has no "version"`);
  }
  return manifest.version;
}

export function appImageName(app: AppName, tag: string): string {
  return `protomesh/${app}:${tag}`;
}

/** Builds protomesh/<app>:<tag> from apps/<app>/Dockerfile and the prebuilt bundle. */
export async function buildAppImage(options: AppImageOptions): Promise<BuiltImage> {
  const { app, root, engine, base, echo = false, timeoutMs = 300_000 } = options;
  const bundle = join('dist', 'apps', app, 'main.js');
  if (!existsSync(join(root, bundle))) {
    throw new Error(`${bundle} is missing: run \`npx nx build @protomesh/${app}\` first`);
  }
  const version = readAppVersion(root, app);
  const image = appImageName(app, options.tag ?? version);
  const buildArgs: Record<string, string> = { VERSION: version };
  if (base) buildArgs['NODE_IMAGE'] = base;
  const sourceUrl = await resolveSourceUrl(root);
  if (sourceUrl) buildArgs['SOURCE_URL'] = sourceUrl;
  const { command, args } = buildInvocation(engine, {
    dockerfile: join('apps', app, 'Dockerfile'),
    context: '.',
    image,
    buildArgs,
  });
  const started = Date.now();
  const result = await runCommand(command, args, { cwd: root, echo, timeoutMs });
  if (result.code !== 0) {
    // With echo the builder's own output is already on screen.
    const detail = echo ? '' : `:\n${(result.stderr || result.stdout).trim().split('\n').slice(-10).join('\n')}`;
    throw new Error(`${formatCommand(command, args)} exited with ${result.code}${detail}`);
  }
  return { image, version, durationMs: Date.now() - started };
}

/**
 * The repository URL for the org.opencontainers.image.source label: the root
 * package.json "repository", else the git remote "origin"; undefined when
 * neither exists (the label then keeps the Dockerfile's empty default).
 */
export async function resolveSourceUrl(root: string): Promise<string | undefined> {
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    repository?: string | { url?: string };
  };
  const declared = typeof manifest.repository === 'string' ? manifest.repository : manifest.repository?.url;
  if (declared) return toBrowsableUrl(declared);
  const remote = await runCommand('git', ['-C', root, 'config', '--get', 'remote.origin.url'], {
    timeoutMs: 5_000,
  }).catch(() => undefined);
  const url = remote?.code === 0 ? remote.stdout.trim() : '';
  return url ? toBrowsableUrl(url) : undefined;
}

/** git@host:owner/repo.git and git+https://…/repo.git → https://host/owner/repo. */
export function toBrowsableUrl(url: string): string {
  const scp = /^[\w.-]+@([\w.-]+):(.+)$/.exec(url);
  const https = scp ? `https://${scp[1]}/${scp[2]}` : url.replace(/^git\+/, '');
  return https.replace(/\.git$/, '');
}

export interface ImageInfo {
  user: string;
  entrypoint: string[];
  env: string[];
  labels: Record<string, string>;
  /** Uncompressed size of all layers, in bytes. */
  size: number;
}

export async function inspectImage(engine: ContainerEngine, image: string): Promise<ImageInfo> {
  const { command, args } = runnerInvocation(engine, ['image', 'inspect', image]);
  const [raw] = JSON.parse(await runChecked(command, args, { timeoutMs: 30_000 })) as Array<{
    Size: number;
    Config: {
      User?: string;
      Entrypoint?: string[] | null;
      Env?: string[] | null;
      Labels?: Record<string, string> | null;
    };
  }>;
  return {
    user: raw.Config.User ?? '',
    entrypoint: raw.Config.Entrypoint ?? [],
    env: raw.Config.Env ?? [],
    labels: raw.Config.Labels ?? {},
    size: raw.Size,
  };
}

export async function imageExists(engine: ContainerEngine, image: string): Promise<boolean> {
  const { command, args } = runnerInvocation(engine, ['image', 'inspect', image]);
  return (await runCommand(command, args, { timeoutMs: 30_000 })).code === 0;
}

/** Removes an image by name or id; one that is already gone is not an error. */
export async function removeImage(engine: ContainerEngine, image: string): Promise<void> {
  if (!(await imageExists(engine, image))) return;
  const { command, args } = runnerInvocation(engine, ['rmi', image]);
  await runChecked(command, args, { timeoutMs: 60_000 });
}
