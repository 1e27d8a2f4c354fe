import { Readable } from 'node:stream';
import { formatCommand, runChecked, runCommand } from './container-command.js';

describe('runCommand', () => {
  it('captures stdout, stderr and the exit code', async () => {
    const result = await runCommand(process.execPath, [
      '-e',
      'console.log("out"); console.error("err"); process.exit(3)',
    ]);
    expect(result).toEqual({ code: 3, stdout: 'out\n', stderr: 'err\n' });
  });

  it('pipes input to stdin', async () => {
    const result = await runCommand(process.execPath, ['-e', 'process.stdin.pipe(process.stdout)'], {
      input: Readable.from(['a stream']),
    });
    expect(result.stdout).toBe('a stream');
  });

  it('kills a command that outlives its timeout', async () => {
    const started = Date.now();
    await expect(
      runCommand(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { timeoutMs: 300 }),
    ).rejects.toThrow(/did not finish within 300 ms/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('rejects when the command does not exist', async () => {
    await expect(runCommand('/nonexistent/engine', [])).rejects.toThrow(/ENOENT/);
  });
});

describe('runChecked', () => {
  it('returns stdout on success and names the command and its stderr on failure', async () => {
    await expect(runChecked(process.execPath, ['-e', 'process.stdout.write("ok")'])).resolves.toBe('ok');
    await expect(
      runChecked(process.execPath, ['-e', 'console.error("no such image"); process.exit(125)']),
    ).rejects.toThrow(/exited with 125: no such image/);
  });
});

describe('formatCommand', () => {
  it('quotes only the arguments a shell would split', () => {
    expect(formatCommand('podman', ['import', '--change', 'USER 65532:65532', '-'])).toBe(
      'podman import --change "USER 65532:65532" -',
    );
  });
});
