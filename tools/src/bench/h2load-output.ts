/** What h2load's text summary says about one run. */
export interface H2loadSummary {
  /** Length of the measured period, seconds (warm-up excluded). */
  elapsedS: number;
  requestsPerSecond: number;
  requests: {
    total: number;
    started: number;
    done: number;
    succeeded: number;
    failed: number;
    errored: number;
    timeout: number;
  };
  /** Responses whose headers arrived, by HTTP status class. */
  status: { '2xx': number; '3xx': number; '4xx': number; '5xx': number };
  /** Bytes of DATA frame payload received: the gRPC response messages. */
  dataBytes: number;
}

const durationUnitS: Record<string, number> = { us: 1e-6, ms: 1e-3, s: 1 };

function match(text: string, pattern: RegExp, what: string): RegExpExecArray {
  const found = pattern.exec(text);
  if (!found) {
    throw new Error(`h2load output has no ${what} line`);
  }
  return found;
}

/** Parses the summary h2load prints on stdout; throws naming the first missing line. */
export function parseH2loadOutput(text: string): H2loadSummary {
  const finished = match(text, /^finished in ([0-9.]+)(us|ms|s), ([0-9.]+) req\/s/m, 'finished');
  const requests = match(
    text,
    /^requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored, (\d+) timeout/m,
    'requests',
  );
  const status = match(text, /^status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx/m, 'status codes');
  const traffic = match(text, /^traffic: .*\((\d+)\) data$/m, 'traffic');
  const [total, started, done, succeeded, failed, errored, timeout] = requests.slice(1).map(Number);
  return {
    elapsedS: Number(finished[1]) * durationUnitS[finished[2]],
    requestsPerSecond: Number(finished[3]),
    requests: { total, started, done, succeeded, failed, errored, timeout },
    status: { '2xx': Number(status[1]), '3xx': Number(status[2]), '4xx': Number(status[3]), '5xx': Number(status[4]) },
    dataBytes: Number(traffic[1]),
  };
}

/** The per-request records of h2load's --log-file. */
export interface H2loadLog {
  /** Time to end of response of each request answered with HTTP 200, microseconds. */
  latenciesUs: number[];
  /** Records with any other status (-1 is a failed stream). */
  otherStatus: number;
}

/** Parses h2load's --log-file: tab-separated start time (µs since epoch), HTTP status, duration (µs). */
export function parseH2loadLog(text: string): H2loadLog {
  const latenciesUs: number[] = [];
  let otherStatus = 0;
  for (const line of text.split('\n')) {
    if (line === '') {
      continue;
    }
    const [, status, elapsed] = line.split('\t');
    const us = Number(elapsed);
    if (status === undefined || elapsed === undefined || !Number.isFinite(us)) {
      throw new Error(`h2load log line is not "start<TAB>status<TAB>microseconds": ${JSON.stringify(line)}`);
    }
    if (status === '200') {
      latenciesUs.push(us);
    } else {
      otherStatus++;
    }
  }
  return { latenciesUs, otherStatus };
}
