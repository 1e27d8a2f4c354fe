import { ConfigError, EXIT_CONFIG } from './config-error.js';

/**
 * Runs a program's main function: a ConfigError prints its one line and
 * exits 2; any other failure to start is printed and exits 1.
 */
export function runMain(main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    if (err instanceof ConfigError) {
      process.stderr.write(`config error: ${err.message}\n`);
      process.exit(EXIT_CONFIG);
    }
    process.stderr.write(`fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
