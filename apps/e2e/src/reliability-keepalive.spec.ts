import { setTimeout as delay } from 'node:timers/promises';
import {
  establishedClientPorts,
  eventually,
  FrameType,
  GrpcJsClient,
  grpcRequestHeaders,
  h2ErrorName,
  H2Wire,
  headersFrame,
  killAll,
} from '@protomesh/testing';
import { countByCode, SteadyLoad, stopLoads } from './support/reliability-load';
import { type ObservedServer, PATHS, report, SLACK_MS, startOnPath } from './support/reliability-paths';
import { killPeers, StoppablePeer } from './support/reliability-peer';

/**
 * Keepalive and connection age, on both server paths, with short settings:
 * the server pings every connection and drops a peer that stops answering
 * (KEEPALIVE_TIME + KEEPALIVE_TIMEOUT), and rotates connections at
 * MAX_CONNECTION_AGE (GOAWAY, then MAX_CONNECTION_AGE_GRACE for the calls
 * still running) without a caller losing a call.
 */

jest.setTimeout(30_000);

const SUITE = 'keepalive and connection age';
const KEEPALIVE_TIME_MS = 1_000;
const KEEPALIVE_TIMEOUT_MS = 500;
const MAX_CONNECTION_AGE_MS = 1_000;
const MAX_CONNECTION_AGE_GRACE_MS = 1_000;

const CALL_HEADERS = grpcRequestHeaders();

/** Resolves with the milliseconds until the server's side of the connection from `clientPort` is gone. */
async function untilDropped(server: ObservedServer, clientPort: number, timeoutMs: number): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < timeoutMs) {
    if (!establishedClientPorts(server.port).includes(clientPort)) {
      return Math.round(performance.now() - started);
    }
    await delay(25);
  }
  throw new Error(`the server still holds the connection from port ${clientPort} after ${timeoutMs} ms`);
}

describe.each(PATHS)('keepalive and connection age, $name', (path) => {
  const wires: H2Wire[] = [];
  const clients: GrpcJsClient[] = [];

  afterEach(async () => {
    await stopLoads();
    clients.splice(0).forEach((client) => client.close());
    wires.splice(0).forEach((wire) => wire.destroy());
    await killPeers();
    await killAll();
  });

  async function connect(server: ObservedServer, options: Parameters<typeof H2Wire.connect>[1] = {}) {
    const wire = await H2Wire.connect(server.port, options);
    wires.push(wire);
    await wire.handshake();
    return wire;
  }

  it('drops a peer that stops answering PINGs after KEEPALIVE_TIME + KEEPALIVE_TIMEOUT, and keeps one that answers', async () => {
    const server = await startOnPath(path, {
      KEEPALIVE_TIME: `${KEEPALIVE_TIME_MS}ms`,
      KEEPALIVE_TIMEOUT: `${KEEPALIVE_TIMEOUT_MS}ms`,
    });
    const frozen = new StoppablePeer(server.url);
    const [answering, silent, frozenPort] = await Promise.all([
      connect(server),
      connect(server, { answerPings: false }),
      frozen.localPort(),
    ]);

    // The process answers the first ping (at KEEPALIVE_TIME), then freezes.
    await delay(KEEPALIVE_TIME_MS + 300);
    expect(establishedClientPorts(server.port)).toContain(frozenPort);
    frozen.stop();
    const [silentClosedMs, frozenDroppedMs] = await Promise.all([
      silent.closedWithin(KEEPALIVE_TIME_MS + KEEPALIVE_TIMEOUT_MS + SLACK_MS),
      untilDropped(server, frozenPort, KEEPALIVE_TIME_MS + KEEPALIVE_TIMEOUT_MS + SLACK_MS),
    ]);
    await delay(500);
    const pingsAnswered = answering.framesOf(FrameType.PING).length;
    report(
      SUITE,
      `${path.name}: KEEPALIVE_TIME ${KEEPALIVE_TIME_MS} ms + TIMEOUT ${KEEPALIVE_TIMEOUT_MS} ms: ` +
        `a peer never answering closed at ${silentClosedMs} ms; a SIGSTOPped process dropped ${frozenDroppedMs} ms ` +
        `after the stop; a live peer kept after ${pingsAnswered} pings`,
    );
    expect(silentClosedMs).toBeGreaterThanOrEqual(KEEPALIVE_TIME_MS + KEEPALIVE_TIMEOUT_MS - 50);
    expect(answering.isOpen).toBe(true);
    expect(pingsAnswered).toBeGreaterThanOrEqual(2);

    // Once resumed, the peer finds its connection closed.
    frozen.resume();
    await eventually(() => frozen.sawClose(), 3_000);
  });

  it('rotates connections at MAX_CONNECTION_AGE under steady calls and loses none', async () => {
    const server = await startOnPath(path, {
      MAX_CONNECTION_AGE: `${MAX_CONNECTION_AGE_MS}ms`,
      MAX_CONNECTION_AGE_GRACE: `${MAX_CONNECTION_AGE_GRACE_MS}ms`,
    });
    // A call left open on an aged connection: it gets the GOAWAY, then the grace, then a CANCEL.
    const lingering = await connect(server);
    const opened = performance.now();
    lingering.write(headersFrame(1, CALL_HEADERS));

    const client = new GrpcJsClient(`127.0.0.1:${server.port}`);
    clients.push(client);
    const load = new SteadyLoad(client, 100).start();
    const connections = new Set<number>();
    const sampling = (async () => {
      while (performance.now() - opened < 4_500) {
        establishedClientPorts(server.port).forEach((port) => connections.add(port));
        await delay(20);
      }
    })();
    const goawayMs = await lingering.waitFor('GOAWAY', MAX_CONNECTION_AGE_MS * 1.1 + SLACK_MS, () =>
      lingering.goaway ? Math.round(performance.now() - opened) : undefined,
    );
    const closedMs = await lingering.closedWithin(MAX_CONNECTION_AGE_MS * 1.1 + MAX_CONNECTION_AGE_GRACE_MS + SLACK_MS);
    const reset = lingering.framesOf(FrameType.RST_STREAM, 1).at(0);
    await sampling;
    const calls = await load.stop();

    connections.delete(lingering.localPort ?? -1);
    report(
      SUITE,
      `${path.name}: MAX_CONNECTION_AGE ${MAX_CONNECTION_AGE_MS} ms (+ grace ${MAX_CONNECTION_AGE_GRACE_MS} ms): ` +
        `GOAWAY at ${goawayMs} ms, open call reset and connection closed at ${closedMs} ms; ` +
        `grpc-js over 4.5 s used ${connections.size} connections for ${calls.length} calls: ${JSON.stringify(countByCode(calls))}`,
    );
    expect(lingering.goaway).toEqual({ lastStreamId: 1, errorCode: 0 });
    expect(goawayMs).toBeGreaterThanOrEqual(MAX_CONNECTION_AGE_MS * 0.9 - 50);
    expect(closedMs - goawayMs).toBeGreaterThanOrEqual(MAX_CONNECTION_AGE_GRACE_MS - 50);
    expect(reset && h2ErrorName(reset.payload.readUInt32BE(0))).toBe('CANCEL');
    expect(connections.size).toBeGreaterThanOrEqual(3);
    expect(countByCode(calls)).toEqual({ OK: calls.length });
  });
});
