import { readFileSync } from 'node:fs';
import { type Manifest, renderChart, type Values } from './helm.ts';

/** The value sets the chart must render cleanly, by name. */
export const scenarios = {
  defaults: {},
  'fault delay': { set: { 'fault.enabled': true } },
  'fault abort only': {
    set: {
      'fault.enabled': true,
      'fault.delay.enabled': false,
      'fault.abort.enabled': true,
      'fault.abort.grpcStatus': 'UNAVAILABLE',
    },
  },
  'fault delay and abort': {
    set: {
      'fault.enabled': true,
      'fault.delay.fixedDelay': '2s',
      'fault.delay.percentage': 12.5,
      'fault.abort.enabled': true,
      'fault.abort.grpcStatus': 'RESOURCE_EXHAUSTED',
      'fault.abort.percentage': 40,
    },
  },
  'fault provider app': {
    set: {
      'fault.enabled': true,
      'fault.provider': 'app',
      'fault.abort.enabled': true,
      'fault.abort.grpcStatus': 'INTERNAL',
    },
  },
  'istio disabled': { set: { 'istio.enabled': false } },
  'metrics disabled': { set: { 'metrics.enabled': false } },
  monitoring: {
    set: {
      'metrics.podMonitor.enabled': true,
      'metrics.podMonitor.labels.release': 'kube-prometheus-stack',
      'dashboards.enabled': true,
    },
    setJson: { 'dashboards.annotations': { grafana_folder: 'protomesh' } },
  },
  // The Go server deployed as subset v2 of the server, first with no share of the calls, then half.
  'server-go at 0 %': { set: { 'services.server-go.enabled': true } },
  'split 50/50': {
    set: {
      'services.server-go.enabled': true,
      'services.server.route.weights.v1': 50,
      'services.server.route.weights.v2': 50,
    },
  },
  'route timeout and retries': {
    set: {
      'services.server.route.timeout': '3s',
      'services.server.route.retries.attempts': 2,
      'services.server.route.retries.perTryTimeout': '500ms',
      'services.server.route.retries.retryOn': 'unavailable\\,cancelled',
    },
  },
} satisfies Record<string, Values>;

export type ScenarioName = keyof typeof scenarios;

export const scenarioNames = Object.keys(scenarios) as ScenarioName[];

export interface Rendered {
  readonly docs: Manifest[];
  readonly ms: number;
}

/** Names the JSON file where the global setup left every scenario's render. */
export const RENDERS_ENV = 'PROTOMESH_CHART_RENDERS';

const cache = new Map<ScenarioName, Promise<Rendered>>();

/**
 * A scenario's render: the global setup's (each scenario is rendered once per
 * run, not once per test file), or a fresh one when a file runs without it.
 */
export function renderScenario(name: ScenarioName): Promise<Rendered> {
  let rendered = cache.get(name);
  if (!rendered) {
    const shared = process.env[RENDERS_ENV];
    rendered = shared
      ? Promise.resolve((JSON.parse(readFileSync(shared, 'utf8')) as Record<ScenarioName, Rendered>)[name])
      : renderChart(scenarios[name]);
    cache.set(name, rendered);
  }
  return rendered;
}

/** Every scenario's render, one after another (two cores: parallel helms only contend). */
export async function renderAll(): Promise<Map<ScenarioName, Rendered>> {
  const all = new Map<ScenarioName, Rendered>();
  for (const name of scenarioNames) {
    all.set(name, await renderScenario(name));
  }
  return all;
}

export function ofKind<T = Manifest>(docs: readonly Manifest[], kind: string): T[] {
  return docs.filter((doc) => doc.kind === kind) as T[];
}

export function named<T = Manifest>(docs: readonly Manifest[], kind: string, name: string): T {
  const found = docs.find((doc) => doc.kind === kind && doc.metadata.name === name);
  if (!found) {
    throw new Error(`no ${kind} ${name} among ${docs.map((d) => `${d.kind}/${d.metadata.name}`).join(', ')}`);
  }
  return found as T;
}

/** The value, or a failure naming what was missing (instead of a non-null assertion). */
export function must<T>(value: T | null | undefined, what: string): T {
  if (value === null || value === undefined) {
    throw new Error(`missing: ${what}`);
  }
  return value;
}

/** Whether a label selector (matchLabels, a Service's selector) matches a set of labels. */
export function selects(
  selector: Readonly<Record<string, string>> | undefined,
  labels: Readonly<Record<string, string>> | undefined,
): boolean {
  return Object.entries(selector ?? {}).every(([key, value]) => labels?.[key] === value);
}
