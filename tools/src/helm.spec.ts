import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { findHelm } from './helm';

const workspaceRoot = resolve(__dirname, '../..');

function helmVersion(helm: string): string {
  return execFileSync(helm, ['version', '--short'], { encoding: 'utf8', timeout: 10_000 }).trim();
}

describe('findHelm', () => {
  let scratch: string;
  let extracted: string;

  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), 'helm-spec-'));
    extracted = findHelm({ searchPath: [], cacheDir: join(scratch, 'cache') });
  });

  afterAll(() => {
    rmSync(scratch, { recursive: true, force: true });
  });

  it('extracts the real Helm from the kubectl layer when none is on PATH', () => {
    expect(extracted).toBe(join(scratch, 'cache', 'helm'));
    expect(statSync(extracted).mode & 0o111).toBe(0o111);
    expect(helmVersion(extracted)).toMatch(/^v4\.\d+\.\d+/);
  });

  it('reuses an extracted binary instead of writing it again', () => {
    const before = statSync(extracted).mtimeMs;
    expect(findHelm({ searchPath: [], cacheDir: join(scratch, 'cache') })).toBe(extracted);
    expect(statSync(extracted).mtimeMs).toBe(before);
  });

  it('prefers an executable helm on PATH, skipping a non-executable one', () => {
    const notExecutable = join(scratch, 'not-executable');
    const onPath = join(scratch, 'on-path');
    mkdirSync(notExecutable);
    mkdirSync(onPath);
    writeFileSync(join(notExecutable, 'helm'), '');
    chmodSync(join(notExecutable, 'helm'), 0o644);
    symlinkSync(extracted, join(onPath, 'helm'));

    const found = findHelm({
      searchPath: [join(scratch, 'missing'), notExecutable, onPath],
      cacheDir: join(scratch, 'unused'),
    });

    expect(found).toBe(join(onPath, 'helm'));
    expect(helmVersion(found)).toMatch(/^v4\./);
  });

  it('says what to do when there is neither a helm on PATH nor the layer', () => {
    expect(() =>
      findHelm({ searchPath: [], layerZip: join(scratch, 'absent.zip'), cacheDir: join(scratch, 'unused') }),
    ).toThrow(/helm: not on PATH and .*absent\.zip is missing; install Helm or run npm ci/);
  });

  it('refuses a file that is not a zip, saying which', () => {
    const bogus = join(scratch, 'bogus.zip');
    writeFileSync(bogus, 'not a zip');
    expect(() => findHelm({ searchPath: [], layerZip: bogus, cacheDir: join(scratch, 'unused') })).toThrow(
      new RegExp(`^helm: cannot unzip helm/helm from ${bogus}: `),
    );
  });

  it('prints the path when run as a script (how the chart tests, which may not import tools, find it)', () => {
    // A PATH with unzip on it and no helm, so the layer's helm is the one found (extracted if need be).
    const onlyUnzip = join(scratch, 'only-unzip');
    mkdirSync(onlyUnzip);
    symlinkSync(execFileSync('sh', ['-c', 'command -v unzip'], { encoding: 'utf8' }).trim(), join(onlyUnzip, 'unzip'));
    const printed = execFileSync(process.execPath, ['--import', 'tsx', join(__dirname, 'helm.ts')], {
      cwd: workspaceRoot,
      encoding: 'utf8',
      env: { ...process.env, PATH: onlyUnzip },
      timeout: 30_000,
    }).trim();
    expect(printed).toBe(join(workspaceRoot, '.cache/helm/helm'));
    expect(helmVersion(printed)).toMatch(/^v4\./);
  });
});
