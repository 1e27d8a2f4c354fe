import { GRPC_STATUS_NAMES } from '@protomesh/grpc-core';
import { DURATION_PATTERN } from '@protomesh/runtime';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMap, type Node, parse, parseDocument } from 'yaml';
import { chartDir, parseManifests, release, runHelm, type Values, valueArgs } from './support/helm.ts';
import { PROMETHEUS_DURATION } from './support/pod-monitor.ts';

interface Schema {
  definitions: Record<string, { pattern?: string; enum?: string[] }>;
}

const schema = JSON.parse(readFileSync(join(chartDir, 'values.schema.json'), 'utf8')) as Schema;

async function renderError(values: Values): Promise<string> {
  const result = await runHelm(['template', release.name, '.', '--namespace', release.namespace, ...valueArgs(values)]);
  expect(result.code).not.toBe(0);
  return result.stderr;
}

describe('values.schema.json', () => {
  it('checks durations with exactly the pattern the apps parse (libs/runtime DURATION_PATTERN)', () => {
    expect(schema.definitions['duration'].pattern).toBe(DURATION_PATTERN);
  });

  it("checks scrape intervals with the Prometheus Operator CRD's Duration pattern", () => {
    expect(schema.definitions['optionalPrometheusDuration'].pattern).toBe(PROMETHEUS_DURATION.source);
  });

  it('knows exactly the gRPC status names of libs/runtime, and aborts with any but OK', () => {
    expect(schema.definitions['grpcStatusName'].enum).toEqual([...GRPC_STATUS_NAMES]);
    expect(schema.definitions['abortStatus'].enum).toEqual(GRPC_STATUS_NAMES.filter((name) => name !== 'OK'));
  });

  // Concurrent: each case is its own helm process.
  it.concurrent.each([
    [
      'a fault percentage of 150',
      { set: { 'fault.delay.percentage': 150 } },
      "at '/fault/delay/percentage': maximum: got 150, want 100",
    ],
    [
      'a fault percentage of "100.5"',
      { set: { 'fault.abort.percentage': '100.5' } },
      "at '/fault/abort/percentage': '100.5' does not match pattern",
    ],
    [
      'an unknown gRPC status name',
      { set: { 'fault.abort.grpcStatus': 'NOPE' } },
      "at '/fault/abort/grpcStatus': value must be one of 'CANCELLED', 'UNKNOWN'",
    ],
    [
      'a duration without a unit',
      { setString: { 'fault.delay.fixedDelay': '10' } },
      `at '/fault/delay/fixedDelay': '10' does not match pattern '${DURATION_PATTERN.replaceAll('\\', '\\\\')}'`,
    ],
    [
      'a bare number as a duration',
      { set: { 'fault.delay.fixedDelay': 10 } },
      "at '/fault/delay/fixedDelay': got number, want string",
    ],
    [
      'a malformed client TIMEOUT',
      { set: { 'services.client.env.TIMEOUT': '5sec' } },
      "at '/services/client/env/TIMEOUT': '5sec' does not match pattern",
    ],
    [
      // The termination grace period and the proxy's drain are computed from it.
      'a malformed server DRAIN_DELAY',
      { setString: { 'services.server.env.DRAIN_DELAY': '5' } },
      "at '/services/server/env/DRAIN_DELAY': '5' does not match pattern",
    ],
    [
      'an unknown fault provider',
      { set: { 'fault.provider': 'linkerd' } },
      "at '/fault/provider': value must be one of 'istio', 'app'",
    ],
    [
      'a misspelt value',
      { set: { 'fault.dealy.fixedDelay': '1s' } },
      "at '/fault': additional properties 'dealy' not allowed",
    ],
    ["Istio's proxy UID", { set: { 'podSecurity.runAsUser': 1337 } }, "at '/podSecurity/runAsUser': 'anyOf' failed"],
    ['a port Istio reserves', { set: { 'services.server.port': 15001 } }, "at '/services/server/port': 'anyOf' failed"],
    [
      'an unknown mTLS mode',
      { set: { 'istio.mtls.mode': 'strict' } },
      "at '/istio/mtls/mode': value must be one of 'STRICT'",
    ],
    ['a metrics port Istio reserves', { set: { 'metrics.port': 15020 } }, "at '/metrics/port': 'anyOf' failed"],
    [
      'metrics port 0 (any free port, to the apps)',
      { set: { 'metrics.port': 0 } },
      "at '/metrics/port': minimum: got 0, want 1",
    ],
    [
      'a metrics port past 65535',
      { set: { 'metrics.port': 70000 } },
      "at '/metrics/port': maximum: got 70,000, want 65,535",
    ],
    [
      'a metrics port that is no number',
      { setString: { 'metrics.port': '9464x' } },
      "at '/metrics/port': got string, want integer",
    ],
    [
      'a fractional scrape interval',
      { set: { 'metrics.podMonitor.interval': '1.5m' } },
      "at '/metrics/podMonitor/interval': '1.5m' does not match pattern",
    ],
    [
      'a route weight over 100',
      { set: { 'services.server.route.weights.v1': 101 } },
      "at '/services/server/route/weights/v1': maximum: got 101, want 100",
    ],
    [
      'a route weight that is no number',
      { setString: { 'services.server.route.weights.v1': 'half' } },
      "at '/services/server/route/weights/v1': got string, want integer",
    ],
    [
      'a dashboard ConfigMap without labels',
      { set: { 'dashboards.labels.grafana_dashboard': 'null' } },
      "at '/dashboards/labels': minProperties: got 0, want 1",
    ],
  ])('rejects %s with a message naming the value', async (_name, values: Values, message) => {
    const stderr = await renderError(values);
    expect(stderr).toContain("values don't meet the specifications of the schema");
    expect(stderr).toContain(message);
  });
});

describe('cross-value checks in the templates', () => {
  // Concurrent: each case is its own helm process.
  it.concurrent.each([
    [
      'an Istio fault without Istio',
      { set: { 'istio.enabled': false, 'fault.enabled': true } },
      'fault.provider: istio needs istio.enabled=true; expected app for a fault without the mesh',
    ],
    [
      'a fault with neither delay nor abort',
      { set: { 'fault.enabled': true, 'fault.delay.enabled': false } },
      'fault.enabled: expected fault.delay.enabled or fault.abort.enabled to be true as well',
    ],
    [
      'a zero delay',
      { set: { 'fault.enabled': true, 'fault.delay.fixedDelay': '0s' } },
      'fault.delay.fixedDelay: expected a duration of at least 1ms such as 500ms or 10s, got 0s',
    ],
    [
      'a fault target that is no server',
      { set: { 'fault.enabled': true, 'fault.target': 'client' } },
      'fault.target: expected an entry of services with a port, got "client"',
    ],
    [
      'an unknown upstream',
      { set: { 'services.client.upstream': 'nope' } },
      'services.client.upstream: expected the key of an enabled entry of services, got "nope"',
    ],
    [
      'a pod label the chart sets',
      { set: { 'services.server.podLabels.version': 'v9', 'services.server.podLabels.team': 'greeters' } },
      'services.server.podLabels.version: set by the chart (selectors, subsets and Istio read it); expected a label of your own',
    ],
    [
      'the latest tag',
      { set: { 'services.server.image.tag': 'latest' } },
      "services.server.image.tag: expected a pinned tag (or empty for the chart's appVersion), got latest",
    ],
    [
      'an env variable the chart owns',
      { set: { 'services.server.env.PORT': 9090 } },
      'services.server.env.PORT: set by the chart',
    ],
    [
      'METRICS_PORT in env',
      { set: { 'services.client.env.METRICS_PORT': 9100 } },
      'services.client.env.METRICS_PORT: set by the chart',
    ],
    [
      'a gRPC port equal to the metrics port',
      { set: { 'metrics.port': 8080 } },
      'services.server.port: expected a port other than metrics.port (8080), which every container serves metrics on',
    ],
    [
      'a PodMonitor without metrics',
      { set: { 'metrics.enabled': false, 'metrics.podMonitor.enabled': true } },
      'metrics.podMonitor.enabled: needs metrics.enabled=true',
    ],
    [
      'an unknown caller in the AuthorizationPolicy',
      { setJson: { 'services.server.authorization.callers': ['client', 'ghost'] } },
      'services.server.authorization.callers: expected keys of services, got "ghost"',
    ],
    [
      'a test caller without an upstream',
      { set: { 'tests.caller': 'server' } },
      'tests.caller: expected an entry of services with an upstream, got "server"',
    ],
    [
      'route weights not summing to 100',
      {
        set: {
          'services.server-go.enabled': true,
          'services.server.route.weights.v1': 50,
          'services.server.route.weights.v2': 40,
        },
      },
      'services.server.route.weights: expected percentages summing to 100, got 90',
    ],
    [
      'a route weight for a version no entry has',
      { set: { 'services.server.route.weights.v3': 0 } },
      'services.server.route.weights: expected versions behind the server Service (v1, v2), got "v3"',
    ],
    [
      'calls for a version whose entry is disabled',
      { set: { 'services.server.route.weights.v1': 50, 'services.server.route.weights.v2': 50 } },
      'services.server.route.weights.v2: expected 0 while services.server-go is disabled, got 50',
    ],
    [
      'two entries with the same version behind one Service',
      { set: { 'services.server-go.enabled': true, 'services.server-go.version': 'v1' } },
      'services.server-go.version: expected a version no other entry behind the server Service has, got "v1"',
    ],
    [
      'a subset entry without the mesh',
      { set: { 'services.server-go.enabled': true, 'istio.enabled': false } },
      "services.server-go.subsetOf: needs istio.enabled=true; without the mesh the server Service would spread calls over every version's pods, whatever its route.weights say",
    ],
    [
      'a subset of an entry without a Service',
      {
        set: {
          'services.server-go.enabled': true,
          'services.server-go.subsetOf': 'client',
          'services.server.route.weights.v2': 'null',
        },
      },
      'services.server-go.subsetOf: expected an entry of services with a port, got "client"',
    ],
    [
      'a route of its own on a subset entry',
      { set: { 'services.server-go.enabled': true, 'services.server-go.route.timeout': '1s' } },
      'services.server-go.route: a subsetOf entry has none of its own; set services.server.route',
    ],
    [
      'an upstream that is a subset entry',
      { set: { 'services.server-go.enabled': true, 'services.client.upstream': 'server-go' } },
      'services.client.upstream: expected an entry of services with a Service of its own (no subsetOf), got "server-go"',
    ],
  ])('rejects %s in one line naming the setting', async (_name, values: Values, message) => {
    const stderr = await renderError(values);
    expect(stderr).toMatch(
      new RegExp(`^Error: execution error at \\(protomesh/templates/[^)]+\\): ${escape(message)}`, 'm'),
    );
  });

  it('reports every broken rule at once: one failure, one line per rule, each naming its setting', async () => {
    const messages = [
      'services.client.upstream: expected the key of an enabled entry of services, got "nope"',
      "services.server.image.tag: expected a pinned tag (or empty for the chart's appVersion), got latest",
      'services.server.env.PORT: set by the chart (PORT from port, SERVICE_VERSION from version, SERVER_URL from upstream, METRICS_PORT from metrics.port, FAULT_* from fault); remove it',
      'services.server.route.timeout: expected a duration of at least 1ms such as 500ms or 10s, got 0s',
      'services.server.authorization.callers: expected keys of services, got "ghost"',
      'metrics.podMonitor.enabled: needs metrics.enabled=true (the PodMonitor scrapes the http-metrics port and follows the prometheus.io annotations)',
      'fault.target: expected an entry of services with a port, got "client"',
      'fault.enabled: expected fault.delay.enabled or fault.abort.enabled to be true as well',
      'tests.caller: expected an entry of services with an upstream, got "server"',
    ];
    const stderr = await renderError({
      set: {
        'services.client.upstream': 'nope',
        'services.server.image.tag': 'latest',
        'services.server.env.PORT': 9090,
        'services.server.route.timeout': '0s',
        'metrics.enabled': false,
        'metrics.podMonitor.enabled': true,
        'fault.enabled': true,
        'fault.target': 'client',
        'fault.delay.enabled': false,
        'tests.caller': 'server',
      },
      setJson: { 'services.server.authorization.callers': ['client', 'ghost'] },
    });
    // One error, whose message is every line in the order of the checks.
    expect(stderr.match(/^Error:/gm)).toHaveLength(1);
    const lines = stderr.split('\n');
    const first = lines.findIndex((line) => line.startsWith('Error: '));
    const reported = lines
      .slice(first, first + messages.length)
      .map((line) => line.replace(/^Error: execution error at \(protomesh\/templates\/[^)]+\): /, ''));
    expect(reported).toEqual(messages);
    expect(lines[first + messages.length].trim()).toBe('');
  });

  it('run before anything else in every template: helm stops at the first template that fails, in an order of its own', () => {
    const templates = (dir: string): string[] =>
      readdirSync(join(chartDir, dir), { withFileTypes: true }).flatMap((entry) =>
        entry.isDirectory()
          ? templates(join(dir, entry.name))
          : entry.name.startsWith('_')
            ? []
            : [join(dir, entry.name)],
      );
    const all = templates('templates');
    expect(all).toContain(join('templates', 'tests', 'test-call.yaml'));
    expect(
      all.filter(
        (file) =>
          readFileSync(join(chartDir, file), 'utf8').split('\n')[0] !== '{{- include "protomesh.validateValues" . }}',
      ),
    ).toEqual([]);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('values.yaml', () => {
  it('documents every value with a comment (on the key, or on its parent for resource quantities)', () => {
    const doc = parseDocument(readFileSync(join(chartDir, 'values.yaml'), 'utf8'));
    const undocumented: string[] = [];
    const walk = (node: Node | null, path: string, parentCommented: boolean): void => {
      if (!isMap(node)) {
        return;
      }
      node.items.forEach((pair, index) => {
        const key = String((pair.key as { value: unknown }).value);
        // yaml hangs the comment above a map's first key on the map itself.
        const above = (pair.key as Node).commentBefore ?? (index === 0 ? node.commentBefore : undefined);
        const commented = Boolean(above || (pair.value as Node | null)?.comment);
        const child = pair.value as Node | null;
        if (isMap(child) && child.items.length > 0) {
          walk(child, `${path}${key}.`, commented);
        } else if (!commented && !parentCommented) {
          undocumented.push(`${path}${key}`);
        }
      });
    };
    walk(doc.contents, '', false);
    expect(undocumented).toEqual([]);
  });

  it('passes helm lint --strict: defaults, a fault, the PodMonitors and dashboards, the v1/v2 split', async () => {
    const valueSets: Values[] = [
      {},
      {
        set: {
          'services.server-go.enabled': true,
          'services.server.route.weights.v1': 90,
          'services.server.route.weights.v2': 10,
        },
      },
      { set: { 'fault.enabled': true, 'fault.abort.enabled': true } },
      { set: { 'metrics.podMonitor.enabled': true, 'dashboards.enabled': true } },
    ];
    for (const values of valueSets) {
      const result = await runHelm(['lint', '--strict', '.', ...valueArgs(values)]);
      expect({ code: result.code, out: result.stdout }).toEqual({
        code: 0,
        out: expect.stringContaining('1 chart(s) linted, 0 chart(s) failed'),
      });
    }
  });

  it('packages the chart alone, dashboards included: no specs or Nx project files in the archive', async () => {
    const out = mkdtempSync(join(tmpdir(), 'chart-package-'));
    try {
      const result = await runHelm(['package', '.', '--destination', out]);
      expect(result.code).toBe(0);
      const { version } = parse(readFileSync(join(chartDir, 'Chart.yaml'), 'utf8')) as { version: string };
      const archive = join(out, `protomesh-${version}.tgz`);
      const files = execFileSync('tar', ['-tzf', archive], { encoding: 'utf8' }).trim().split('\n');
      expect(files).toContain('protomesh/templates/tests/test-call.yaml');
      expect(files).toContain('protomesh/values.schema.json');
      expect(files).toContain('protomesh/dashboards/protomesh-grpc.json');
      expect(files.filter((file) => /tests-spec|package\.json|jest|tsconfig|eslint|swcrc|out-tsc/.test(file))).toEqual(
        [],
      );
      // .Files.Get reads the packaged copy: the archive alone must render the dashboard.
      const rendered = await runHelm([
        'template',
        release.name,
        archive,
        '--namespace',
        release.namespace,
        '--set',
        'dashboards.enabled=true',
      ]);
      expect(rendered.code).toBe(0);
      const configMap = parseManifests(rendered.stdout).find((doc) => doc.kind === 'ConfigMap') as
        | { data?: Record<string, string> }
        | undefined;
      expect(configMap?.data?.['protomesh-grpc.json']).toBe(
        readFileSync(join(chartDir, 'dashboards/protomesh-grpc.json'), 'utf8'),
      );
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
