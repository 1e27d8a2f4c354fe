import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';

/**
 * The stubs under src/gen are committed so the contract's generated API is
 * reviewed in every diff. This guards them: regenerating from proto/ with the
 * pinned buf and protoc-gen-es must reproduce them byte for byte.
 */
const workspaceRoot = resolve(__dirname, '../../..');
const committed = resolve(__dirname, 'gen');

function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

describe('generated stubs', () => {
  let outDir: string;

  beforeAll(() => {
    outDir = mkdtempSync(join(tmpdir(), 'protomesh-gen-'));
    execFileSync(join(workspaceRoot, 'node_modules/.bin/buf'), ['generate', '--output', outDir], {
      cwd: workspaceRoot,
      stdio: 'pipe',
    });
  }, 60_000);

  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  it('match a fresh `buf generate` (run `npm run generate` and commit if this fails)', () => {
    const fresh = join(outDir, 'libs/proto/src/gen');
    const files = listFiles(fresh);
    expect(listFiles(committed)).toEqual(files);
    for (const file of files) {
      expect({ file, text: readFileSync(join(committed, file), 'utf8') }).toEqual({
        file,
        text: readFileSync(join(fresh, file), 'utf8'),
      });
    }
  });
});
