import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { describeWhen, goMissing } from '@protomesh/testing';

/**
 * src/gen is committed (a clone typechecks and builds without Go) and never
 * edited by hand. This guards it: regenerating from the conformance module's
 * protos at the runner's pinned version, with the pinned buf and
 * protoc-gen-es, must reproduce it byte for byte.
 */
const workspaceRoot = resolve(__dirname, '../../..');
const committed = resolve(__dirname, 'gen');
const GENERATE = join(workspaceRoot, 'apps/conformance/scripts/generate-protos.sh');

function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

describeWhen('generated conformance stubs', goMissing(), () => {
  let outDir: string;

  beforeAll(() => {
    outDir = mkdtempSync(join(tmpdir(), 'protomesh-conformance-gen-'));
    execFileSync(GENERATE, [outDir], { cwd: workspaceRoot, stdio: 'pipe' });
  }, 5 * 60_000);

  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  it('match a fresh generation (run `npx nx run @protomesh/conformance:generate` and commit if this fails)', () => {
    const fresh = join(outDir, 'apps/conformance/src/gen');
    const files = listFiles(fresh);
    expect(files.length).toBeGreaterThan(0);
    expect(listFiles(committed)).toEqual(files);
    for (const file of files) {
      expect({ file, text: readFileSync(join(committed, file), 'utf8') }).toEqual({
        file,
        text: readFileSync(join(fresh, file), 'utf8'),
      });
    }
  });
});
