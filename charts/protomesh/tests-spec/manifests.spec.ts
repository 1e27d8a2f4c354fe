import { durationViolations } from './support/durations.ts';
import { type Manifest, release } from './support/helm.ts';
import { modelOf } from './support/models.ts';
import { type Rendered, renderAll, type ScenarioName } from './support/scenarios.ts';
import { findSchemaViolations, type LabelledDoc } from './support/unknown-fields.ts';

const labelOf = (scenario: string, doc: Manifest) => `${scenario}: ${doc.kind}/${doc.metadata.name}`;

/** A deep copy of the first rendered document of a kind, to break on purpose. */
function copyOf<T>(docs: readonly LabelledDoc[], kind: string): T {
  const found = docs.find(({ doc }) => doc.kind === kind);
  if (!found) {
    throw new Error(`no ${kind} rendered`);
  }
  return structuredClone(found.doc) as T;
}

describe('every document the chart renders, in every scenario', () => {
  let rendered: Map<ScenarioName, Rendered>;
  let all: LabelledDoc[];

  beforeAll(async () => {
    rendered = await renderAll();
    all = [...rendered].flatMap(([scenario, { docs }]) => docs.map((doc) => ({ label: labelOf(scenario, doc), doc })));
  });

  it('renders the expected resources in each scenario', () => {
    const mesh = { DestinationRule: 1, VirtualService: 1, PeerAuthentication: 1, AuthorizationPolicy: 1 };
    const base = { Deployment: 2, ServiceAccount: 2, Service: 1, PodDisruptionBudget: 1 };
    const expected: Record<ScenarioName, Record<string, number>> = {
      defaults: { ...base, ...mesh, Pod: 1 },
      'fault delay': { ...base, ...mesh, Pod: 1 },
      'fault abort only': { ...base, ...mesh, Pod: 1 },
      // Partial percentages leave the outcome to chance: no test pod.
      'fault delay and abort': { ...base, ...mesh },
      'fault provider app': { ...base, ...mesh, Pod: 1 },
      'istio disabled': { ...base, Pod: 1 },
      'metrics disabled': { ...base, ...mesh, Pod: 1 },
      // A PodMonitor per entry, the client's included.
      monitoring: { ...base, ...mesh, Pod: 1, PodMonitor: 2, ConfigMap: 1 },
      'route timeout and retries': { ...base, ...mesh, Pod: 1 },
      // The Go server's own Deployment, account and budget; the Service, routing and policies stay one.
      'server-go at 0 %': { ...base, Deployment: 3, ServiceAccount: 3, PodDisruptionBudget: 2, ...mesh, Pod: 1 },
      'split 50/50': { ...base, Deployment: 3, ServiceAccount: 3, PodDisruptionBudget: 2, ...mesh, Pod: 1 },
    };
    for (const [scenario, { docs }] of rendered) {
      const kinds: Record<string, number> = {};
      for (const doc of docs) {
        kinds[doc.kind] = (kinds[doc.kind] ?? 0) + 1;
      }
      expect({ scenario, kinds }).toEqual({ scenario, kinds: expected[scenario] });
    }
  });

  it('passes the JSON schema of its kubernetes-models / @kubernetes-models/istio / prometheus-operator model', () => {
    const failures = all.flatMap(({ label, doc }) => {
      try {
        modelOf(doc).validate(doc);
        return [];
      } catch (error) {
        return [`${label}: ${(error as Error).message}`];
      }
    });
    expect(failures).toEqual([]);
  });

  it('has a model validation that does reject a wrong type', () => {
    const deployment = copyOf<Manifest & { spec: { replicas: unknown } }>(all, 'Deployment');
    deployment.spec.replicas = 'two';
    expect(() => modelOf(deployment).validate(deployment)).toThrow(/replicas/);
  });

  it('has no field its schema lacks (TypeScript excess-property check), and the check catches one', () => {
    const control = copyOf<Manifest & { spec: { http: Record<string, unknown>[] } }>(all, 'VirtualService');
    // A plausible slip: `retry` instead of `retries`.
    control.spec.http[0]['retry'] = { attempts: 2 };

    // Scenarios share most documents; checking each distinct one once keeps this to seconds.
    const distinct = new Map<string, LabelledDoc>();
    for (const labelled of all) {
      const key = JSON.stringify(labelled.doc);
      distinct.set(key, distinct.get(key) ?? labelled);
    }
    // The PodMonitor's interface (@kubernetes-models/prometheus-operator) must catch a slip too.
    const monitor = copyOf<Manifest & { spec: { podMetricsEndpoints: { relabelings: Record<string, unknown>[] }[] } }>(
      all,
      'PodMonitor',
    );
    monitor.spec.podMetricsEndpoints[0].relabelings[0]['sourceLabel'] = ['__address__'];
    const findings = findSchemaViolations([
      ...distinct.values(),
      { label: 'control', doc: control },
      { label: 'monitor control', doc: monitor },
    ]);

    expect(findings.filter((finding) => !finding.label.includes('control'))).toEqual([]);
    expect(findings).toEqual([
      { label: 'control', message: expect.stringMatching(/'"retry"' does not exist/) },
      { label: 'monitor control', message: expect.stringMatching(/'"sourceLabel"' does not exist/) },
    ]);
  });

  it('writes every duration (Istio fields, app env) in a form Istio and the apps parse', () => {
    expect(all.flatMap(({ doc }) => durationViolations(doc))).toEqual([]);

    const control = copyOf<Manifest & { spec: { http: Record<string, unknown>[] } }>(all, 'VirtualService');
    control.spec.http[0]['timeout'] = '10';
    expect(durationViolations(control)).toEqual(['VirtualService/protomesh-server.spec.http[0].timeout: "10"']);
  });

  it('renders no resource twice, each in the release namespace', () => {
    for (const [scenario, { docs }] of rendered) {
      const keys = docs.map((doc) => `${doc.apiVersion}/${doc.kind}/${doc.metadata.namespace}/${doc.metadata.name}`);
      expect({ scenario, duplicates: keys.filter((key, index) => keys.indexOf(key) !== index) }).toEqual({
        scenario,
        duplicates: [],
      });
      expect(new Set(docs.map((doc) => doc.metadata.namespace))).toEqual(new Set([release.namespace]));
    }
  });
});
