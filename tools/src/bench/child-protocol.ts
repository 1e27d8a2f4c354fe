/**
 * How the benchmark talks to the servers it starts. Each prints the same
 * start line as the protomesh server, so one reader finds every port; the
 * comparison servers also answer "how many OK responses so far" over the IPC
 * channel, which the protomesh bundle has no way to do.
 */
export const LISTENING_MESSAGE = 'greeter server listening';
export const OK_COUNT_QUERY = 'ok-count';

export interface OkCountReply {
  okCount: number;
}

/** The port in a "greeter server listening" JSON log line, or undefined for any other line. */
export function listeningPort(line: string): number | undefined {
  let record: unknown;
  try {
    record = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof record !== 'object' || record === null) {
    return undefined;
  }
  const { msg, address } = record as { msg?: unknown; address?: unknown };
  const port = msg === LISTENING_MESSAGE && typeof address === 'string' ? /:(\d+)$/.exec(address)?.[1] : undefined;
  return port === undefined ? undefined : Number(port);
}

/** Whether a log line is routine (pino info or below), as opposed to a warning, an error or stray output. */
export function isRoutineLogLine(line: string): boolean {
  try {
    const { level } = JSON.parse(line) as { level?: unknown };
    return level === 'info' || level === 'debug' || level === 'trace';
  } catch {
    return false;
  }
}

/** Child side: print the start line. */
export function announceListening(host: string, port: number): void {
  process.stdout.write(`${JSON.stringify({ level: 'info', msg: LISTENING_MESSAGE, address: `${host}:${port}` })}\n`);
}

/** Child side: answer OK-count queries from the parent. */
export function answerOkCountQueries(okCount: () => number): void {
  process.on('message', (message) => {
    if (message === OK_COUNT_QUERY) {
      process.send?.({ okCount: okCount() } satisfies OkCountReply);
    }
  });
}
