import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * One JSON object per line on stdout, with the level as a name rather than a
 * number so log pipelines (and people) need no lookup table. Writes are
 * synchronous: the programs exit right after their last line (drain done,
 * COUNT reached) and must not lose it. `destination` 2 (stderr) is for
 * programs whose stdout is a protocol channel, such as the conformance server.
 */
export function createLogger(service: string, level: LogLevel, destination: 1 | 2 = 1): Logger {
  return pino(
    {
      level,
      base: { service },
      formatters: { level: (label) => ({ level: label }) },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    pino.destination({ dest: destination, sync: true }),
  );
}
