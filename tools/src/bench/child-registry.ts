import type { ChildProcess } from 'node:child_process';

const running = new Set<ChildProcess>();

/** Remembers a child until it exits, so killAllChildren() can reach it. */
export function trackChild<T extends ChildProcess>(child: T): T {
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}

/**
 * Kills every child still running, synchronously, so it also works from a
 * process 'exit' handler or a timeout that is about to exit.
 */
export function killAllChildren(): void {
  for (const child of running) {
    child.kill('SIGKILL');
  }
}
