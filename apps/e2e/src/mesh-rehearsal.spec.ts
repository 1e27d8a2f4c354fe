import { renderScenario, scenarioNames } from '@protomesh/chart/scenarios';
import {
  backends,
  callerOf,
  describeWhen,
  eventually,
  goMissing,
  helmTemplate,
  type Instance,
  instanceOf,
  type KubeObject,
  type MeshCall,
  meshMissing,
  MeshRehearsal,
} from '@protomesh/testing';

/**
 * The chart's Istio resources applied by Istio's own control plane, on one
 * machine: istiod (pilot-discovery, the pinned Istio) with no cluster, its
 * config the rendering's VirtualService, DestinationRule, PeerAuthentication
 * and AuthorizationPolicy plus a ServiceEntry and WorkloadEntries derived from
 * the rendered Service and Deployments; the server bundle as those workloads
 * on 127.0.0.x; and proxyless gRPC callers (@grpc/grpc-js-xds) with the
 * rendered client's deadline. Faults, route timeouts and subsets are applied
 * by the caller's gRPC library from what istiod serves, as in a proxyless
 * mesh; there is no Envoy. One istiod for the file; a new caller (its own xDS
 * client) per case, except where a running caller must see a change.
 */
const values = (...pairs: string[]) => pairs.flatMap((pair) => ['--set', pair]);
const ABORT_ONLY = ['fault.enabled=true', 'fault.delay.enabled=false', 'fault.abort.enabled=true'];
/** The Go server's entry deployed as subset v2 of the server (the rehearsal runs the server bundle for it too). */
const SERVER_GO = 'services.server-go.enabled=true';
const ALL_TO_V2 = ['services.server.route.weights.v1=0', 'services.server.route.weights.v2=100'];

const tally = (calls: readonly MeshCall[]) =>
  calls.reduce<Record<string, number>>(
    (counts, call) => ({ ...counts, [call.code]: (counts[call.code] ?? 0) + 1 }),
    {},
  );

describeWhen('the chart through istiod, proxyless gRPC callers', goMissing() ?? meshMissing(), () => {
  let mesh: MeshRehearsal;
  const observed: string[] = [];

  beforeAll(async () => {
    // pilot-discovery is built from source on first use (minutes on a fresh machine).
    mesh = await MeshRehearsal.start();
  }, 30 * 60_000);

  afterAll(async () => {
    await mesh?.stop();
    process.stdout.write(`mesh rehearsal through istiod:\n${observed.join('\n')}\n`);
  });

  /** Applies the rendering, then makes `count` calls from a new caller. */
  async function rehearse(docs: readonly KubeObject[], count: number, instances?: Instance[]): Promise<MeshCall[]> {
    const { caller } = await mesh.apply(docs, instances);
    const client = mesh.client(caller);
    try {
      return await client.calls(count);
    } finally {
      await client.close();
    }
  }

  function note(what: string, calls: readonly MeshCall[]): void {
    const latencies = calls.map((call) => call.latencyMs).sort((a, b) => a - b);
    observed.push(
      `  ${what}: ${JSON.stringify(tally(calls))}, ${latencies[0]}–${latencies.at(-1)} ms ` +
        `(median ${latencies[Math.floor(latencies.length / 2)]})`,
    );
  }

  it('defaults: every call OK, answered by the v1 instance', async () => {
    const calls = await rehearse(await helmTemplate(), 5);
    note('defaults', calls);
    for (const call of calls) {
      expect(call).toMatchObject({ code: 'OK', serverInstance: 'protomesh-server-v1-0', serverVersion: 'v1' });
    }
  });

  it("fault.enabled=true (10 s delay at 100 %): DEADLINE_EXCEEDED at the caller's 5 s deadline", async () => {
    const docs = await helmTemplate(values('fault.enabled=true'));
    expect(callerOf(docs).timeoutMs).toBe(5_000); // the rendered client's TIMEOUT
    const calls = await rehearse(docs, 1);
    note('fault delay 10s, deadline 5s', calls);
    expect(calls[0].code).toBe('DEADLINE_EXCEEDED');
    expect(calls[0].latencyMs).toBeGreaterThanOrEqual(4_500);
    expect(calls[0].latencyMs).toBeLessThanOrEqual(7_000);
  });

  it('abort UNAVAILABLE at 100 %: every call UNAVAILABLE ("Fault injected"), none reaches a server', async () => {
    const calls = await rehearse(await helmTemplate(values(...ABORT_ONLY)), 5);
    note('abort UNAVAILABLE 100 %', calls);
    for (const call of calls) {
      expect(call).toMatchObject({ code: 'UNAVAILABLE', error: 'Fault injected', serverInstance: null });
    }
  });

  it('abort UNAVAILABLE at 50 %: of 40 calls, 25–75 % UNAVAILABLE and the rest OK', async () => {
    const calls = await rehearse(await helmTemplate(values(...ABORT_ONLY, 'fault.abort.percentage=50')), 40);
    note('abort UNAVAILABLE 50 %, 40 calls', calls);
    const counts = tally(calls);
    expect(Object.keys(counts).sort()).toEqual(['OK', 'UNAVAILABLE']);
    expect(counts['UNAVAILABLE']).toBeGreaterThanOrEqual(10);
    expect(counts['UNAVAILABLE']).toBeLessThanOrEqual(30);
  });

  it('a route timeout (1 s) shorter than the deadline, a server slower (3 s): DEADLINE_EXCEEDED at the route timeout', async () => {
    // The app-provided fault makes the server itself slow (FAULT_DELAY in its rendered env); the route times out.
    const docs = await helmTemplate(
      values(
        'services.server.route.timeout=1s',
        'fault.enabled=true',
        'fault.provider=app',
        'fault.delay.fixedDelay=3s',
      ),
    );
    expect(backends(docs)[0].env).toMatchObject({ FAULT_DELAY: '3s', FAULT_DELAY_PERCENT: '100' });
    const calls = await rehearse(docs, 2);
    note('route timeout 1s, server 3s, deadline 5s', calls);
    expect(calls.map((call) => call.code)).toEqual(['DEADLINE_EXCEEDED', 'DEADLINE_EXCEEDED']);
    // The route's timeout runs from the moment the call has its route: the first call also waited for xDS.
    for (const call of calls) {
      expect(call.latencyMs).toBeGreaterThanOrEqual(900);
      expect(call.latencyMs).toBeLessThan(4_000);
    }
    // The route's 1 s and not the server's 3 s, with room for a loaded machine.
    expect(calls[1].latencyMs).toBeLessThan(2_500);
  });

  it("a server answering UNAVAILABLE: the route's retry policy (Istio's default) makes 3 attempts per call", async () => {
    // fault.provider=app: the server itself aborts, so the caller's gRPC library sees a real UNAVAILABLE.
    const docs = await helmTemplate(values(...ABORT_ONLY, 'fault.provider=app'));
    const server = backends(docs)[0];
    expect(server.env).toMatchObject({ FAULT_ABORT_STATUS: 'UNAVAILABLE', FAULT_ABORT_PERCENT: '100' });
    const { caller, instances } = await mesh.apply(docs, [instanceOf(server, 'v1', { LOG_LEVEL: 'debug' })]);
    const client = mesh.client(caller);
    const calls = await client.calls(3).finally(() => client.close());
    note('server answers UNAVAILABLE (app fault), 3 calls', calls);
    expect(calls.map((call) => call.code)).toEqual(['UNAVAILABLE', 'UNAVAILABLE', 'UNAVAILABLE']);
    // Each attempt is logged as it ends, possibly just after the caller has its answer.
    const attempts = () => instances[0].process.lines.filter((line) => line.msg === 'call').length;
    await instances[0].process.waitUntil('9 attempts logged', 5_000, () => (attempts() >= 9 ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 200));
    observed.push(`  attempts at the server for those 3 calls: ${attempts()}`);
    expect(attempts()).toBe(9);
  });

  it('every fault-free scenario the chart tests know: calls split across the rendered versions as its weights say', async () => {
    const rehearsed: string[] = [];
    for (const name of scenarioNames) {
      const docs = (await renderScenario(name)).docs as unknown as KubeObject[];
      const weights = routeWeights(docs);
      if (
        weights === undefined ||
        backends(docs).some((backend) => 'FAULT_DELAY' in backend.env || 'FAULT_ABORT_STATUS' in backend.env)
      ) {
        continue; // no mesh routing (istio disabled), or a fault (the cases above)
      }
      rehearsed.push(name);
      const calls = await rehearse(docs, 20);
      const answered = tally(calls.map((call) => ({ ...call, code: `${call.code} ${call.serverVersion}` })));
      observed.push(`  scenario "${name}", weights ${JSON.stringify(weights)}: 20 calls, ${JSON.stringify(answered)}`);
      // Every version with a share answered (20 calls at 50 %: all to one side has odds of 2 in a million), no other.
      const weighted = Object.keys(weights).filter((version) => weights[version] > 0);
      expect({ name, answered: Object.keys(answered).sort() }).toEqual({
        name,
        answered: weighted.map((version) => `OK ${version}`).sort(),
      });
    }
    // The defaults and the 50/50 split at least: a change that skipped them all would test nothing.
    expect(rehearsed).toEqual(expect.arrayContaining(['defaults', 'split 50/50']));
  }, 60_000);

  it('subsets: with v1 and v2 deployed (services.server-go), every answer comes from the version route.weights picks', async () => {
    // Deployed at 0 % by default; then all of it.
    const [atZero, atAll] = [
      await helmTemplate(values(SERVER_GO)),
      await helmTemplate(values(SERVER_GO, ...ALL_TO_V2)),
    ];
    const toV1 = await rehearse(atZero, 20);
    const toV2 = await rehearse(atAll, 20);
    note('server-go deployed at 0 %, 20 calls', toV1);
    note('server-go deployed at 100 %, 20 calls', toV2);
    expect(new Set(toV1.map((call) => `${call.code} ${call.serverInstance}`))).toEqual(
      new Set(['OK protomesh-server-v1-0']),
    );
    expect(new Set(toV2.map((call) => `${call.code} ${call.serverInstance}`))).toEqual(
      new Set(['OK protomesh-server-go-v2-0']),
    );
  });

  it('a re-rendered config reaches a running caller (xDS push): fault off, then v1 → v2 → v1', async () => {
    const abort = await helmTemplate(values(SERVER_GO, ...ABORT_ONLY));
    const [toV1, toV2] = [await helmTemplate(values(SERVER_GO)), await helmTemplate(values(SERVER_GO, ...ALL_TO_V2))];
    // The same two instances throughout: only istiod's config changes.
    const { caller } = await mesh.apply(abort);
    const client = mesh.client(caller);
    const log: (MeshCall & { at: number })[] = [];
    let calling = true;
    const loop = (async () => {
      while (calling) {
        const at = performance.now();
        log.push({ ...(await client.call()), at });
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();
    // grpc-js-xds 1.14.1 applies a fault being removed, not one being added to a cached route (README).
    // Its balancer keeps a 10 s failover timer for the subset left behind, past close(): the Jest
    // worker may exit up to 10 s late.
    const steps: [string, readonly KubeObject[], string][] = [
      ['fault removed', toV1, 'OK v1'],
      ['weights to v2', toV2, 'OK v2'],
      ['weights back to v1', toV1, 'OK v1'],
    ];
    try {
      await eventually(() => log.some((call) => call.code === 'UNAVAILABLE'), 5_000);
      for (const [what, docs, expected] of steps) {
        const written = performance.now();
        await mesh.apply(docs);
        const seen = () => log.find((call) => call.at >= written && `${call.code} ${call.serverVersion}` === expected);
        await eventually(() => seen() !== undefined, 10_000);
        const first = seen();
        observed.push(
          `  push, ${what}: first "${expected}" call started ${Math.round((first?.at ?? 0) - written)} ms after the write`,
        );
        // From then on, only the new behaviour.
        const settled = performance.now() + 50;
        await eventually(() => log.filter((call) => call.at > settled).length >= 10, 5_000);
        const after = log.filter((call) => call.at > settled).map((call) => `${call.code} ${call.serverVersion}`);
        expect(new Set(after)).toEqual(new Set([expected]));
      }
    } finally {
      calling = false;
      await loop;
      await client.close();
    }
  }, 60_000);
});

/** The subsets the rendered VirtualService routes to and their weights (a lone destination: 100), or undefined without one. */
function routeWeights(docs: readonly KubeObject[]): Record<string, number> | undefined {
  const vs = docs.find((doc) => doc.kind === 'VirtualService');
  if (!vs) {
    return undefined;
  }
  const [rule] = (
    vs['spec'] as { http: { fault?: unknown; route: { destination: { subset: string }; weight?: number }[] }[] }
  ).http;
  if (rule.fault) {
    return undefined;
  }
  return Object.fromEntries(rule.route.map((r) => [r.destination.subset, r.weight ?? 100]));
}
