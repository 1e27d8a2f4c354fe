/**
 * Something a test watches change by events (a process's log lines, a
 * connection's frames): waits re-check their condition on every change
 * instead of polling.
 */
export class Changes {
  private readonly listeners = new Set<() => void>();

  /** Re-runs every pending wait's probe. */
  notify(): void {
    for (const listener of [...this.listeners]) {
      listener();
    }
  }

  /**
   * Resolves with the first defined result of `probe`, re-run on every
   * change. Rejects once `over()` gives a reason no result can come any more,
   * or after `timeoutMs`; `describe()` adds what was seen to either error.
   */
  until<T>(
    what: string,
    timeoutMs: number,
    probe: () => T | undefined,
    over: () => string | undefined,
    describe: () => string,
  ): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = probe();
        const reason = found === undefined ? over() : undefined;
        if (found !== undefined) {
          done();
          resolve(found);
        } else if (reason !== undefined) {
          done();
          reject(new Error(`${reason} before ${what}; ${describe()}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no ${what} within ${timeoutMs} ms; ${describe()}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.listeners.delete(check);
      };
      this.listeners.add(check);
      check();
    });
  }
}

/**
 * Resolves once `condition` holds, checked every 10 ms; rejects after
 * `timeoutMs`, naming the condition. For state that changes without an event
 * to listen to (counters a handler bumps, a log a client fills).
 */
export async function eventually(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error(`condition not met within ${timeoutMs} ms: ${condition.toString()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
