import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';

export interface CommandResult {
  /** Exit code, or null when the process ended by a signal. */
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CommandOptions {
  /** Kill the command (SIGKILL) and reject after this long. Default 120 000 ms. */
  timeoutMs?: number;
  /** Piped to stdin; default: stdin is closed. */
  input?: Readable;
  /** Working directory; default: this process's. */
  cwd?: string;
  /** Stream stdout/stderr through to this process's as well; default false. */
  echo?: boolean;
}

const DEFAULT_TIMEOUT_MS = 120_000;

/**
 * Runs a command to completion and captures its output. Never throws for a
 * non-zero exit (callers decide what that means); rejects when the command
 * cannot be started or outlives `timeoutMs`, so no caller can hang on it.
 */
export function runCommand(
  command: string,
  args: readonly string[],
  options: CommandOptions = {},
): Promise<CommandResult> {
  const { timeoutMs = DEFAULT_TIMEOUT_MS, input, cwd, echo = false } = options;
  return new Promise((resolve, reject) => {
    const child = input
      ? spawn(command, args, { cwd, stdio: ['pipe', 'pipe', 'pipe'] })
      : spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => {
      stdout.push(chunk);
      if (echo) process.stdout.write(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr.push(chunk);
      if (echo) process.stderr.write(chunk);
    });
    if (input && child.stdin) {
      // The reader may exit early (e.g. a failed import); its EPIPE is reported by the exit code instead.
      child.stdin.on('error', () => undefined);
      input.pipe(child.stdin);
    }
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${formatCommand(command, args)} did not finish within ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') });
    });
  });
}

/** Like runCommand, but a non-zero exit rejects with the command and its stderr. */
export async function runChecked(
  command: string,
  args: readonly string[],
  options: CommandOptions = {},
): Promise<string> {
  const result = await runCommand(command, args, options);
  if (result.code !== 0) {
    const detail = (result.stderr || result.stdout).trim().split('\n').slice(-5).join('\n');
    throw new Error(`${formatCommand(command, args)} exited with ${result.code}: ${detail}`);
  }
  return result.stdout;
}

/** Shell-like rendering for messages; not meant to be executed. */
export function formatCommand(command: string, args: readonly string[]): string {
  return [command, ...args].map((part) => (/^[\w@%+=:,./-]+$/.test(part) ? part : JSON.stringify(part))).join(' ');
}
