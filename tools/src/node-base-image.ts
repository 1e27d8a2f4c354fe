import { spawn } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseCommandLine, runCli, UsageError } from './container-cli.js';
import { runChecked } from './container-command.js';
import { type ContainerEngine, resolveEngine, runnerInvocation } from './container-engine.js';
import { imageExists, inspectImage } from './container-image.js';

/**
 * A local stand-in for gcr.io/distroless/nodejs<major>-debian12:nonroot, for
 * machines that cannot pull it: the host's node binary and the shared
 * libraries it links, laid out as distroless does (/nodejs/bin/node, user
 * nonroot 65532, no shell), so a Dockerfile that works on one works on both.
 */

export const NONROOT_UID = 65532;
const NODE_PATH_IN_IMAGE = '/nodejs/bin/node';
const FINGERPRINT_LABEL = 'org.protomesh.node-base.fingerprint';
// Bump when the root filesystem layout changes, so existing stand-ins are rebuilt.
const LAYOUT_VERSION = 1;

export interface NodeBaseOptions {
  engine: ContainerEngine;
  /** Image reference; default `localhost/node-base:<major of this node>`, i.e. localhost/node-base:20 here. */
  image?: string;
  /** Node binary to package; default the one running this code. */
  nodeBinary?: string;
  /** CA bundle copied to the same path in the image, when it exists; default Debian's. */
  caBundle?: string;
}

export interface NodeBaseImage {
  image: string;
  /** True when an image built from the same binary already existed and was kept. */
  reused: boolean;
  durationMs: number;
}

export function defaultNodeBaseImage(): string {
  return `localhost/node-base:${process.versions.node.split('.')[0]}`;
}

/** Absolute library paths in `ldd` output (the vDSO has none and is skipped). */
export function parseLddOutput(text: string): string[] {
  const paths: string[] = [];
  for (const line of text.split('\n')) {
    const match = /(?:=>\s*)?(\/\S+)\s+\(0x[0-9a-f]+\)/.exec(line);
    if (match) paths.push(match[1]);
  }
  return paths;
}

/** Fills `rootfs` with everything the stand-in holds. */
export async function assembleRootfs(rootfs: string, nodeBinary: string, caBundle: string): Promise<void> {
  const put = (path: string, from: string) => {
    mkdirSync(join(rootfs, dirname(path)), { recursive: true });
    copyFileSync(from, join(rootfs, path));
  };
  put(NODE_PATH_IN_IMAGE, nodeBinary);
  for (const library of parseLddOutput(await runChecked('ldd', [nodeBinary], { timeoutMs: 10_000 }))) {
    put(library, library);
  }
  if (existsSync(caBundle)) put(caBundle, caBundle);
  const write = (path: string, text: string) => {
    mkdirSync(join(rootfs, dirname(path)), { recursive: true });
    writeFileSync(join(rootfs, path), text);
  };
  write(
    '/etc/passwd',
    `root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:${NONROOT_UID}:${NONROOT_UID}:nonroot:/home/nonroot:/sbin/nologin\n`,
  );
  write('/etc/group', `root:x:0:\nnonroot:x:${NONROOT_UID}:\n`);
  // Without it glibc tries DNS before /etc/hosts and "localhost" can fail to resolve.
  write('/etc/nsswitch.conf', 'passwd: files\ngroup: files\nhosts: files dns\n');
  mkdirSync(join(rootfs, 'home', 'nonroot'), { recursive: true });
  mkdirSync(join(rootfs, 'tmp'));
  chmodSync(join(rootfs, 'tmp'), 0o1777);
}

function fingerprint(nodeBinary: string): string {
  const real = realpathSync(nodeBinary);
  const stat = statSync(real);
  return `v${LAYOUT_VERSION}:${real}:${stat.size}:${Math.trunc(stat.mtimeMs)}`;
}

/**
 * Builds the stand-in, or keeps the existing image when it was made from the
 * same binary with the same layout (tests call this on every run).
 */
export async function buildNodeBaseImage(options: NodeBaseOptions): Promise<NodeBaseImage> {
  const {
    engine,
    image = defaultNodeBaseImage(),
    nodeBinary = process.execPath,
    caBundle = '/etc/ssl/certs/ca-certificates.crt',
  } = options;
  if (process.platform !== 'linux') {
    throw new Error(
      `the node base stand-in packages the host's node binary, which must be a Linux one (this is ${process.platform})`,
    );
  }
  const started = Date.now();
  const wanted = fingerprint(nodeBinary);
  const previous = (await imageExists(engine, image)) ? await inspectImage(engine, image) : undefined;
  if (previous?.labels[FINGERPRINT_LABEL] === wanted) {
    return { image, reused: true, durationMs: Date.now() - started };
  }
  const previousId = previous ? await imageId(engine, image) : undefined;
  const rootfs = mkdtempSync(join(tmpdir(), 'node-base-'));
  try {
    await assembleRootfs(rootfs, nodeBinary, caBundle);
    await importRootfs(engine, rootfs, image, [
      `ENTRYPOINT ["${NODE_PATH_IN_IMAGE}"]`,
      `USER ${NONROOT_UID}:${NONROOT_UID}`,
      'WORKDIR /home/nonroot',
      'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      `LABEL ${FINGERPRINT_LABEL}=${wanted}`,
    ]);
  } finally {
    rmSync(rootfs, { recursive: true, force: true });
  }
  if (previousId) await removeUntaggedImage(engine, previousId);
  return { image, reused: false, durationMs: Date.now() - started };
}

async function importRootfs(engine: ContainerEngine, rootfs: string, image: string, changes: string[]): Promise<void> {
  // Owned by root whoever builds it, as in a real base image.
  const tar = spawn('tar', ['-C', rootfs, '--numeric-owner', '--owner=0', '--group=0', '-c', '.'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const tarExit = new Promise<number | null>((resolve, reject) => {
    tar.on('error', reject);
    tar.on('close', resolve);
  });
  // Awaited below; this only keeps an early tar failure from surfacing as an unhandled rejection first.
  tarExit.catch(() => undefined);
  const { command, args } = runnerInvocation(engine, [
    'import',
    ...changes.flatMap((change) => ['--change', change]),
    '-',
    image,
  ]);
  try {
    await runChecked(command, args, { input: tar.stdout, timeoutMs: 120_000 });
  } finally {
    tar.kill();
  }
  const tarCode = await tarExit;
  if (tarCode !== 0 && tarCode !== null) throw new Error(`tar of ${rootfs} exited with ${tarCode}`);
}

async function imageId(engine: ContainerEngine, image: string): Promise<string> {
  const { command, args } = runnerInvocation(engine, ['image', 'inspect', '--format', '{{.Id}}', image]);
  return (await runChecked(command, args, { timeoutMs: 30_000 })).trim();
}

/** The replaced stand-in is dead weight (~100 MB) unless images built on it still need it. */
async function removeUntaggedImage(engine: ContainerEngine, id: string): Promise<void> {
  const { command, args } = runnerInvocation(engine, ['rmi', id]);
  await runChecked(command, args, { timeoutMs: 60_000 }).catch(() => undefined);
}

const USAGE = 'tsx tools/src/node-base-image.ts [--image REF]';

async function main(): Promise<void> {
  const { values, positionals } = parseCommandLine({
    args: process.argv.slice(2),
    options: { image: { type: 'string' } },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  if (values.image === '') throw new UsageError('--image must be an image reference such as localhost/node-base:20');
  const engine = resolveEngine();
  const result = await buildNodeBaseImage({ engine, image: values.image });
  const { size } = await inspectImage(engine, result.image);
  const how = result.reused ? 'kept, same node binary' : `built in ${(result.durationMs / 1000).toFixed(1)} s`;
  process.stdout.write(`${result.image} (${how}, ${(size / 1e6).toFixed(1)} MB)\n`);
}

if (require.main === module) runCli(USAGE, main);
