import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runChecked } from './container-command.js';
import { assembleRootfs, NONROOT_UID, parseLddOutput } from './node-base-image.js';

describe('parseLddOutput', () => {
  it('keeps resolved library paths and the loader, and drops the vDSO', () => {
    const output = [
      '\tlinux-vdso.so.1 (0x00007ffd6b1f1000)',
      '\tlibstdc++.so.6 => /lib/x86_64-linux-gnu/libstdc++.so.6 (0x00007f66f1e00000)',
      '\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f66f1c1e000)',
      '\t/lib64/ld-linux-x86-64.so.2 (0x00007f66f21a0000)',
      '',
    ].join('\n');
    expect(parseLddOutput(output)).toEqual([
      '/lib/x86_64-linux-gnu/libstdc++.so.6',
      '/lib/x86_64-linux-gnu/libc.so.6',
      '/lib64/ld-linux-x86-64.so.2',
    ]);
  });
});

const linux = process.platform === 'linux';
(linux ? describe : describe.skip)('assembleRootfs (Linux: it packages the host node binary)', () => {
  let rootfs = '';
  afterEach(() => rmSync(rootfs, { recursive: true, force: true }));

  it('lays out node, its libraries and a nonroot user as distroless does', async () => {
    rootfs = mkdtempSync(join(tmpdir(), 'rootfs-spec-'));
    await assembleRootfs(rootfs, process.execPath, '/nonexistent/ca.crt');
    const node = statSync(join(rootfs, 'nodejs', 'bin', 'node'));
    expect(node.size).toBe(statSync(process.execPath).size);
    expect(node.mode & 0o111).not.toBe(0);
    for (const library of parseLddOutput(await runChecked('ldd', [process.execPath]))) {
      expect(statSync(join(rootfs, library)).isFile()).toBe(true);
    }
    expect(readFileSync(join(rootfs, 'etc', 'passwd'), 'utf8')).toContain(`nonroot:x:${NONROOT_UID}:${NONROOT_UID}:`);
    expect(statSync(join(rootfs, 'tmp')).mode & 0o7777).toBe(0o1777);
    expect(() => statSync(join(rootfs, 'bin', 'sh'))).toThrow();
  });
});
