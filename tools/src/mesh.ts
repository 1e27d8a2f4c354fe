/**
 * `npm run mesh -- [helm values: --set k=v, -f file, …]`: the chart rendered
 * with those values and played through Istio's own control plane on this
 * machine, no cluster (libs/testing/src/mesh): istiod serving the rendering's
 * Istio objects, the server bundle as its workloads on 127.0.0.x, and a
 * proxyless gRPC caller (grpc-js-xds) with the rendered client's TIMEOUT and
 * INTERVAL, printing one line per call until Ctrl-C or COUNT calls.
 */
import { runMain, sleep } from '@protomesh/runtime';
import { helmTemplate, MeshRehearsal } from '@protomesh/testing';

const note = (line: string) => process.stderr.write(`[mesh] ${line}\n`);

runMain(async () => {
  const count = Number(process.env['COUNT'] ?? '0');
  const docs = await helmTemplate(process.argv.slice(2));
  const stopping = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => stopping.abort());
  }
  const started = performance.now();
  const mesh = await MeshRehearsal.start();
  try {
    const { caller, instances } = await mesh.apply(docs);
    note(`istiod ready, xDS at ${mesh.istiod.xdsAddress} (${Math.round(performance.now() - started)} ms)`);
    note(`its config dir: ${mesh.istiod.configDir}`);
    for (const { instance, address, port } of instances) {
      note(`server ${instance.name} (version ${instance.version}) at ${address}:${port}`);
    }
    note(`caller ${caller.workload}: ${caller.target}, deadline ${caller.timeoutMs} ms, every ${caller.intervalMs} ms`);
    const client = mesh.client(caller);
    for (let made = 0; !stopping.signal.aborted && (count === 0 || made < count); made++) {
      const callStarted = performance.now();
      const call = await client.call();
      process.stdout.write(`${JSON.stringify({ msg: `SayHello ${call.code}`, ...call })}\n`);
      const wait = caller.intervalMs - (performance.now() - callStarted);
      await sleep(Math.max(0, wait), stopping.signal).catch(() => undefined);
    }
    await client.close();
  } finally {
    await mesh.stop();
  }
  // grpc-js-xds holds a faulted call's delay timer to its end, even past the call's deadline.
  process.exit(0);
});
