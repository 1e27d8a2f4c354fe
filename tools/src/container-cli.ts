import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Exit code for bad command-line input, as for bad configuration everywhere in the project. */
export const EXIT_USAGE = 2;

/** A command line that cannot work: printed as one line, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** node:util parseArgs (pass `strict: true`), with its failures turned into UsageErrors. */
export function parseCommandLine<const T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message.split('\n')[0] : String(err));
  }
}

/**
 * Runs a CLI's main: a UsageError prints `usage` after its message and exits 2,
 * any other failure prints its message and exits 1.
 */
export function runCli(usage: string, main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    if (err instanceof UsageError) {
      process.stderr.write(`${err.message} (usage: ${usage})\n`);
      process.exit(EXIT_USAGE);
    }
    process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
