import type { IPodMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor';
import type { Manifest } from './helm.ts';

/**
 * The CRD's Duration pattern (pkg/apis/monitoring/v1 Duration), which the
 * PodMonitor model's validate() applies to interval and scrapeTimeout. The
 * model does not export it, so it is written out here for values.schema.json
 * (metrics.podMonitor.interval); the podmonitor spec checks both agree.
 */
export const PROMETHEUS_DURATION =
  /^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/** Actions that write targetLabel, which they then require. */
const WRITING_ACTIONS = new Set(['replace', 'hashmod', 'lowercase', 'uppercase', 'keepequal', 'dropequal']);

/**
 * What the PodMonitor model's validate() lets through (it checks types,
 * required fields, enums and durations, not the semantics) and a PodMonitor
 * must still meet to select anything and to pass Prometheus: a non-empty
 * selector (an empty one selects every pod of the namespace), at least one
 * endpoint naming a port, an absolute path, and relabelings Prometheus would
 * refuse (Prometheus 2 label names, targetLabel where the action writes one,
 * a regex that compiles). Empty when it is sound.
 */
export function podMonitorViolations(doc: Manifest): string[] {
  const monitor = doc as unknown as IPodMonitor;
  const violations: string[] = [];
  const where = `PodMonitor/${monitor.metadata?.name}`;
  const selector = monitor.spec?.selector;
  if (Object.keys(selector?.matchLabels ?? {}).length === 0 && (selector?.matchExpressions ?? []).length === 0) {
    violations.push(`${where}: spec.selector must not be empty`);
  }
  const endpoints = monitor.spec?.podMetricsEndpoints ?? [];
  if (endpoints.length === 0) {
    violations.push(`${where}: spec.podMetricsEndpoints must not be empty`);
  }
  endpoints.forEach((endpoint, index) => {
    const at = `${where}: podMetricsEndpoints[${index}]`;
    if (!endpoint.port) {
      violations.push(`${at}.port must name a container port`);
    }
    if (endpoint.path !== undefined && !endpoint.path.startsWith('/')) {
      violations.push(`${at}.path must start with /, got ${endpoint.path}`);
    }
    (endpoint.relabelings ?? []).forEach((relabel, r) => {
      const rat = `${at}.relabelings[${r}]`;
      for (const label of relabel.sourceLabels ?? []) {
        if (!LABEL_NAME.test(label)) {
          violations.push(`${rat}.sourceLabels: ${label} is no label name`);
        }
      }
      const action = (relabel.action ?? 'replace').toLowerCase();
      if (WRITING_ACTIONS.has(action) && !relabel.targetLabel) {
        violations.push(`${rat}: action ${action} needs targetLabel`);
      }
      if (relabel.regex !== undefined) {
        try {
          new RegExp(relabel.regex);
        } catch (error) {
          violations.push(`${rat}.regex does not compile: ${(error as Error).message}`);
        }
      }
    });
  });
  return violations;
}
