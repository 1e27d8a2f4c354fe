/** One server under one load, as reported; `problems` is empty when every response was verified OK. */
export interface Result {
  server: string;
  load: string;
  rps: number;
  p50Us?: number;
  p99Us?: number;
  cpuUsPerCall?: number;
  /** Share of the server's CPU that other processes took during the run, percent; absent when not pinned. */
  othersPercent?: number;
  problems: string[];
}

/** The target, a figure and never a test: fast path ≥ 1.3× grpc-js req/s in the same run, p99 no worse. */
const TARGET = 1.3;

const int = (n?: number) => (n === undefined ? 'n/a' : Math.round(n).toLocaleString('en-US'));
const fixed = (n?: number, unit = '') => (n === undefined ? 'n/a' : `${n.toFixed(2)}${unit}`);
const ms = (us?: number) => fixed(us === undefined ? undefined : us / 1000);

export const isValid = (r?: Result): r is Result => r !== undefined && r.problems.length === 0 && r.rps > 0;

/** A Markdown table per load with the fast path's ratios under it, then every INVALID figure and why. */
export function formatReport(results: readonly Result[]): string {
  const sections = [...new Set(results.map((r) => r.load))].map((load) => {
    const rows = results.filter((r) => r.load === load);
    const others = (r: Result) => (r.othersPercent === undefined ? 'n/a' : `${int(r.othersPercent)} %`);
    const cells = (r: Result) => [r.server, int(r.rps), ms(r.p50Us), ms(r.p99Us), int(r.cpuUsPerCall), others(r)];
    return [
      `### ${load}\n`,
      '| server | req/s | p50 ms | p99 ms | server CPU µs/call | others on server CPU | check |',
      '|---|--:|--:|--:|--:|--:|---|',
      ...rows.map((r) => `| ${[...cells(r), isValid(r) ? 'OK' : '**INVALID**'].join(' | ')} |`),
      `\n${formatRatios(rows)}`,
    ].join('\n');
  });
  const invalid = results.flatMap((r) => r.problems.map((problem) => `INVALID ${r.server} ${r.load}: ${problem}`));
  return [...sections, ...(invalid.length > 0 ? [invalid.join('\n')] : [])].join('\n\n');
}

function formatRatios(rows: readonly Result[]): string {
  const [fast, grpcJs] = [rows.find((r) => r.server === 'fast'), rows.find((r) => r.server === 'grpc-js')];
  const ratio = (server: string) => {
    const other = rows.find((r) => r.server === server);
    return isValid(fast) && isValid(other) ? fast.rps / other.rps : undefined;
  };
  const met = (ratio('grpc-js') ?? 0) >= TARGET && (fast?.p99Us ?? Infinity) <= (grpcJs?.p99Us ?? -Infinity);
  return (
    `fast/grpc-js ${fixed(ratio('grpc-js'), '×')}, fast/slow ${fixed(ratio('slow'), '×')}, ` +
    `fast/raw ${fixed(ratio('raw'), '×')}; p99 fast ${ms(fast?.p99Us)} ms vs grpc-js ${ms(grpcJs?.p99Us)} ms; ` +
    `target (≥ ${fixed(TARGET)}× grpc-js, p99 ≤ grpc-js): ${met ? 'met' : 'NOT met'}`
  );
}
