import { resolve } from 'node:path';
import { parseCommandLine, runCli, UsageError } from './container-cli.js';
import { resolveEngine } from './container-engine.js';
import { type AppName, APP_NAMES, buildAppImage, inspectImage, isAppName } from './container-image.js';

/**
 * Builds protomesh/<app>:<version> with whichever engine this machine has
 * (docker with a live daemon, else buildah/podman), from the app's prebuilt
 * bundle: run it after the app's build, as Nx's `docker:build` target does.
 */

const WORKSPACE_ROOT = resolve(__dirname, '..', '..');
const USAGE = 'tsx tools/src/build-image.ts server|client [--base IMAGE] [--tag TAG]';
// Docker's rule for the tag part of a reference.
const TAG_PATTERN = /^[\w][\w.-]{0,127}$/;

export interface BuildImageArgs {
  app: AppName;
  /** Node runtime base image; undefined keeps the Dockerfile's default. */
  base?: string;
  /** Image tag; undefined means the app's version. */
  tag?: string;
}

export function parseBuildImageArgs(argv: readonly string[]): BuildImageArgs {
  const { values, positionals } = parseCommandLine({
    args: [...argv],
    options: { base: { type: 'string' }, tag: { type: 'string' } },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length !== 1 || !isAppName(positionals[0])) {
    const got = positionals.length === 0 ? 'nothing' : `"${positionals.join(' ')}"`;
    throw new UsageError(`app: expected one of ${APP_NAMES.join('|')}, got ${got}`);
  }
  if (values.base !== undefined && !/^\S+$/.test(values.base)) {
    throw new UsageError(`--base: expected an image reference such as localhost/node-base:20, got "${values.base}"`);
  }
  if (values.tag !== undefined && !TAG_PATTERN.test(values.tag)) {
    throw new UsageError(
      `--tag: expected an image tag ([A-Za-z0-9_][A-Za-z0-9_.-]*, at most 128), got "${values.tag}"`,
    );
  }
  return { app: positionals[0], base: values.base, tag: values.tag };
}

async function main(): Promise<void> {
  const args = parseBuildImageArgs(process.argv.slice(2));
  const engine = resolveEngine();
  const built = await buildAppImage({ ...args, root: WORKSPACE_ROOT, engine, echo: true });
  const size = engine.runner ? `, ${((await inspectImage(engine, built.image)).size / 1e6).toFixed(1)} MB` : '';
  process.stdout.write(
    `built ${built.image} with ${engine.builder} in ${(built.durationMs / 1000).toFixed(1)} s${size}\n`,
  );
}

if (require.main === module) runCli(USAGE, main);
