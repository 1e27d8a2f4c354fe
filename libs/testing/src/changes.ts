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
