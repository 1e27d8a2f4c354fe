import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const DASHBOARD_FILE = join(__dirname, '../../../../charts/protomesh/dashboards/protomesh-grpc.json');

/**
 * Istio's standard metrics as Prometheus names them
 * (istio.io/latest/docs/reference/config/metrics), histograms expanded.
 */
export const ISTIO_STANDARD_METRICS: ReadonlySet<string> = new Set([
  'istio_requests_total',
  ...histogram('istio_request_duration_milliseconds'),
  ...histogram('istio_request_bytes'),
  ...histogram('istio_response_bytes'),
  'istio_request_messages_total',
  'istio_response_messages_total',
  'istio_tcp_sent_bytes_total',
  'istio_tcp_received_bytes_total',
  'istio_tcp_connections_opened_total',
  'istio_tcp_connections_closed_total',
]);

function histogram(name: string): string[] {
  return [`${name}_bucket`, `${name}_sum`, `${name}_count`];
}

export interface DashboardQuery {
  /** Panel title, or `$name` for a template variable. */
  readonly where: string;
  readonly expr: string;
}

interface Panel {
  title?: string;
  panels?: Panel[];
  targets?: { expr?: string }[];
}

interface Dashboard {
  panels: Panel[];
  templating: { list: { name: string; query?: string | { query?: string } }[] };
}

export function readDashboard(): Dashboard {
  return JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8')) as Dashboard;
}

/** Every PromQL expression of the dashboard: panel targets and the selectors of label_values() variables. */
export function dashboardQueries(dashboard: Dashboard = readDashboard()): DashboardQuery[] {
  const queries: DashboardQuery[] = [];
  const visit = (panel: Panel) => {
    panel.panels?.forEach(visit);
    for (const target of panel.targets ?? []) {
      if (target.expr !== undefined) {
        queries.push({ where: panel.title ?? '(untitled)', expr: target.expr });
      }
    }
  };
  dashboard.panels.forEach(visit);
  for (const variable of dashboard.templating.list) {
    const query = typeof variable.query === 'string' ? variable.query : variable.query?.query;
    const selector = query === undefined ? undefined : /^label_values\((.+?)(?:,\s*[a-zA-Z_]\w*)?\)$/.exec(query)?.[1];
    if (selector !== undefined) {
      queries.push({ where: `$${variable.name}`, expr: selector });
    }
  }
  return queries;
}

const NOT_METRICS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'and',
  'or',
  'unless',
  'offset',
  'inf',
  'nan',
]);

/**
 * The metric names an expression reads: identifiers left once strings, label
 * matchers, ranges and grouping clauses are removed, that are not functions
 * (followed by a parenthesis) or operators.
 */
export function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = [...bare.matchAll(/(?<![\w.:])[a-zA-Z_:][\w:]*(?![\w:])(?!\s*\()/g)].map((m) => m[0]);
  return names.filter((name) => !NOT_METRICS.has(name.toLowerCase()));
}

/** Grafana's variables with the values a single-cluster run gives them. */
export function substituteVariables(expr: string, rateInterval: string): string {
  return expr.replace(/\$__rate_interval/g, rateInterval).replace(/\$(namespace|method)\b/g, '.*');
}
