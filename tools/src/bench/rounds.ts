import type { Window } from './measure.js';
import { sum, summarizeLatencies } from './percentiles.js';
import type { Result } from './report.js';

const isDefined = <T>(value: T | undefined): value is T => value !== undefined;

/**
 * One server's windows under one load, one per round, as one figure: every
 * call over the time of all windows, latencies pooled, CPU summed. A problem
 * in any window spoils the figure, named with its round.
 */
export function combineWindows(windows: readonly Window[]): Result {
  const [first] = windows;
  if (first === undefined) {
    throw new RangeError('no window to combine');
  }
  const calls = sum(windows.map((w) => w.calls));
  const seconds = sum(windows.map((w) => w.seconds));
  const processUs = windows.map((w) => w.processUs);
  const othersTime = windows.map((w) => (w.othersPercent === undefined ? undefined : w.othersPercent * w.seconds));
  const latencies = windows.map((w) => w.latenciesUs);
  // ghz reports percentiles, not latencies: its one window keeps its own.
  const { p50Us, p99Us } =
    windows.length === 1 ? first : summarizeLatencies(latencies.every(isDefined) ? latencies.flat() : []);
  return {
    server: first.server,
    load: first.load,
    rps: seconds > 0 ? calls / seconds : 0,
    p50Us,
    p99Us,
    cpuUsPerCall: processUs.every(isDefined) && calls > 0 ? sum(processUs) / calls : undefined,
    othersPercent: othersTime.every(isDefined) && seconds > 0 ? sum(othersTime) / seconds : undefined,
    problems: windows.flatMap((w, i) => w.problems.map((p) => (windows.length > 1 ? `round ${i + 1}: ${p}` : p))),
  };
}
