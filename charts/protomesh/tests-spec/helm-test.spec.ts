import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IPod } from 'kubernetes-models/v1/Pod';
import { type Manifest, renderChart, type Values } from './support/helm.ts';
import { must, named, ofKind, renderScenario, type ScenarioName } from './support/scenarios.ts';

function testPods(docs: readonly Manifest[]): IPod[] {
  return ofKind<IPod>(docs, 'Pod');
}

function expectOf(docs: readonly Manifest[]): string | undefined {
  const pods = testPods(docs);
  expect(pods.length).toBeLessThanOrEqual(1);
  return pods[0]?.spec?.containers[0].env?.find((variable) => variable.name === 'EXPECT')?.value;
}

describe('the helm test pod', () => {
  it('runs the client image once, as the client, against the same server URL', async () => {
    const { docs } = await renderScenario('defaults');
    const [pod] = testPods(docs);
    const client = must(named<IDeployment>(docs, 'Deployment', 'protomesh-client').spec, 'client spec').template;
    const clientSpec = must(client.spec, 'client pod spec');
    const env = Object.fromEntries(
      (must(pod.spec, 'pod spec').containers[0].env ?? []).map((variable) => [variable.name, variable.value]),
    );
    const clientEnv = Object.fromEntries(
      (clientSpec.containers[0].env ?? []).map((variable) => [variable.name, variable.value]),
    );

    expect(pod.metadata?.annotations?.['helm.sh/hook']).toBe('test');
    expect(pod.spec?.restartPolicy).toBe('Never');
    expect(pod.spec?.serviceAccountName).toBe(clientSpec.serviceAccountName);
    expect(pod.spec?.containers.map((c) => c.image)).toEqual([clientSpec.containers[0].image]);
    expect(env).toMatchObject({
      COUNT: '1',
      EXPECT: 'OK',
      SERVER_URL: clientEnv['SERVER_URL'],
      TIMEOUT: clientEnv['TIMEOUT'],
    });
  });

  it("is not matched by the client Deployment's selector (its ReplicaSet would adopt it)", async () => {
    const { docs } = await renderScenario('defaults');
    const selector = must(
      named<IDeployment>(docs, 'Deployment', 'protomesh-client').spec?.selector.matchLabels,
      'selector',
    );
    const labels = must(testPods(docs)[0].metadata?.labels, 'test pod labels');
    expect(Object.entries(selector).every(([key, value]) => labels[key] === value)).toBe(false);
  });

  it.each<[ScenarioName, string | undefined]>([
    ['defaults', 'OK'],
    ['istio disabled', 'OK'],
    ['route timeout and retries', 'OK'],
    // Through the server's Service, whichever version answers.
    ['split 50/50', 'OK'],
    // 10s delay on every call against the client's 5s TIMEOUT.
    ['fault delay', 'DEADLINE_EXCEEDED'],
    ['fault abort only', 'UNAVAILABLE'],
    // Delay and abort both at 100 %: the delay comes first and outlasts the deadline.
    ['fault provider app', 'DEADLINE_EXCEEDED'],
    // 12.5 % and 40 %: no outcome to expect, no pod.
    ['fault delay and abort', undefined],
  ])('%s: expects %s', async (scenario, expected) => {
    expect(expectOf((await renderScenario(scenario)).docs)).toBe(expected);
  });

  it.concurrent.each<[string, Values, string | undefined]>([
    [
      'a delay shorter than the client TIMEOUT',
      { set: { 'fault.enabled': true, 'services.client.env.TIMEOUT': '20s' } },
      'OK',
    ],
    [
      'a short delay and an abort on every call',
      {
        set: {
          'fault.enabled': true,
          'fault.delay.fixedDelay': '1s',
          'fault.abort.enabled': true,
          'fault.abort.grpcStatus': 'ABORTED',
        },
      },
      'ABORTED',
    ],
    [
      'a delay past the deadline on every call and a partial abort',
      { set: { 'fault.enabled': true, 'fault.abort.enabled': true, 'fault.abort.percentage': 50 } },
      'DEADLINE_EXCEEDED',
    ],
    [
      'a partial delay past the deadline and an abort on every call',
      { set: { 'fault.enabled': true, 'fault.delay.percentage': 50, 'fault.abort.enabled': true } },
      undefined,
    ],
    [
      'a delay exactly as long as TIMEOUT (in other units)',
      { set: { 'fault.enabled': true, 'fault.delay.fixedDelay': '5000ms' } },
      'DEADLINE_EXCEEDED',
    ],
    ['tests.enabled=false', { set: { 'tests.enabled': false } }, undefined],
  ])('with %s: expects %s', async (_name, values, expected) => {
    expect(expectOf((await renderChart(values)).docs)).toBe(expected);
  });
});
