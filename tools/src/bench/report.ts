import type { LatencySummary } from './percentiles.js';

export interface ScenarioResult {
  serverId: string;
  connections: number;
  streams: number;
  requestsPerSecond: number;
  /** Absent when no request completed. */
  latency?: LatencySummary;
  /** Server CPU time per completed call, microseconds; absent without /proc. */
  serverCpuUsPerCall?: number;
  /** Share of the server's CPU taken by other processes during the run, percent; absent when not pinned. */
  othersPercent?: number;
  /** Why the figures cannot be trusted; empty when verified. */
  problems: string[];
}

export interface ServerLabel {
  id: string;
  label: string;
}

/** The servers every other one is compared with, by id. */
export const BASELINES: readonly ServerLabel[] = [
  { id: 'grpc-js', label: 'vs grpc-js' },
  { id: 'raw-http2', label: 'vs raw http2' },
];

const count = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const fixed2 = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** One Markdown table per server, then every INVALID row with its reasons. */
export function formatReport(servers: readonly ServerLabel[], results: readonly ScenarioResult[]): string {
  const sections = servers.map((server) => {
    const rows = results.filter((result) => result.serverId === server.id).map((result) => formatRow(result, results));
    return [
      `### ${server.label}`,
      '',
      `| load | req/s | p50 ms | p99 ms | ${BASELINES.map((b) => b.label).join(' | ')} | server CPU µs/call | others on server CPU | check |`,
      `|---|--:|--:|--:|${BASELINES.map(() => '--:|').join('')}--:|--:|---|`,
      ...rows,
    ].join('\n');
  });
  const invalid = results.flatMap((result) =>
    result.problems.map((problem) => `INVALID ${result.serverId} ${scenario(result)}: ${problem}`),
  );
  return [...sections, ...(invalid.length > 0 ? [invalid.join('\n')] : [])].join('\n\n');
}

function formatRow(result: ScenarioResult, all: readonly ScenarioResult[]): string {
  const ratios = BASELINES.map((baseline) => {
    const base = all.find(
      (other) =>
        other.serverId === baseline.id && other.connections === result.connections && other.streams === result.streams,
    );
    return base && isValid(base) && isValid(result)
      ? `${fixed2.format(result.requestsPerSecond / base.requestsPerSecond)}×`
      : 'n/a';
  });
  const cells = [
    scenario(result),
    count.format(result.requestsPerSecond),
    result.latency ? fixed2.format(result.latency.p50Us / 1000) : 'n/a',
    result.latency ? fixed2.format(result.latency.p99Us / 1000) : 'n/a',
    ...ratios,
    result.serverCpuUsPerCall === undefined ? 'n/a' : count.format(result.serverCpuUsPerCall),
    result.othersPercent === undefined ? 'n/a' : `${count.format(result.othersPercent)} %`,
    isValid(result) ? 'OK' : '**INVALID**',
  ];
  return `| ${cells.join(' | ')} |`;
}

function scenario(result: ScenarioResult): string {
  return `${result.connections} × ${result.streams}`;
}

function isValid(result: ScenarioResult): boolean {
  return result.problems.length === 0 && result.requestsPerSecond > 0;
}
