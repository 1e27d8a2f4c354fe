/**
 * A setting that cannot be used. Its message is one line naming the setting,
 * the expected form and what was given, fit to print before exiting with 2.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  constructor(
    readonly setting: string,
    readonly expected: string,
    readonly received: string,
    options?: ErrorOptions,
  ) {
    super(`${setting}: expected ${expected}, got ${JSON.stringify(received)}`, options);
  }
}

/** The exit code for a configuration the program cannot start with. */
export const EXIT_CONFIG = 2;
