import * as http2 from 'node:http2';
import { OpenStreams } from './open-streams.js';

export interface ConnectionPolicy {
  /** A connection must complete the HTTP/2 preface and its SETTINGS within this. */
  readonly handshakeTimeoutMs: number;
  /** A call's request (headers, then its message) must arrive whole within this. */
  readonly requestTimeoutMs: number;
  /** The server pings every connection this often... */
  readonly keepaliveTimeMs: number;
  /** ...and closes one whose peer has not answered within this. */
  readonly keepaliveTimeoutMs: number;
  /** A connection this old (±10 %) gets a GOAWAY, so clients reconnect and rebalance; 0 = never. */
  readonly maxConnectionAgeMs: number;
  /** How long calls on an aged connection may still run before it is closed. */
  readonly maxConnectionAgeGraceMs: number;
}

/**
 * PING and SETTINGS frames each cost the server a reply (an ACK); a flood of
 * them is an attack, not a client. A PING is a strike when it comes within
 * PING_MIN_INTERVAL_MS of the previous one with no call opened in between,
 * and past MAX_PING_STRIKES the server sends GOAWAY ENHANCE_YOUR_CALM and
 * closes the connection: grpc-go's keepalive enforcement, which lets through
 * keepalive pings (seconds apart) and the BDP pings grpc-go and grpc-core
 * clients send while calls are running. SETTINGS are rare in any client.
 */
const PING_MIN_INTERVAL_MS = 1_000;
const MAX_PING_STRIKES = 20;
const MAX_SETTINGS_PER_SECOND = 20;

/**
 * The connections and calls of a server, under its connection policy: slow
 * or silent peers are cut off (handshake, request and keepalive timeouts),
 * aged connections are rotated, PING or SETTINGS floods end the connection;
 * and the drain's GOAWAY and cut-off reach every one of them.
 */
export class Connections {
  private readonly sessions = new Set<http2.ServerHttp2Session>();
  private readonly streams = new OpenStreams();
  private readonly sweep: NodeJS.Timeout;
  private closing = false;

  constructor(
    server: http2.Http2Server,
    private readonly policy: ConnectionPolicy,
  ) {
    const streams = this.streams;
    // One listener function for every stream rather than a closure per call.
    const untrack = function (this: http2.ServerHttp2Stream) {
      streams.delete(this);
    };
    server.on('stream', (stream) => {
      streams.add(stream, Date.now());
      stream.on('close', untrack);
    });
    server.on('session', (session) => this.watch(session));
    // One sweep for every call rather than a timer per call: a call pays for
    // its place on the list, and a stalled request is cut off within a sweep's period.
    this.sweep = setInterval(
      () => this.cutOffStalledRequests(),
      Math.min(1_000, Math.max(policy.requestTimeoutMs / 2, 10)),
    );
    this.sweep.unref();
  }

  /** GOAWAY on every connection, now and for any that opens from here on: no new calls, those in flight finish. */
  closeAll(): void {
    this.closing = true;
    this.sessions.forEach((session) => session.close());
  }

  /** Ends every call in flight (RST_STREAM CANCEL) and every connection. */
  cutOffAll(): void {
    this.sessions.forEach((session) => this.cutOff(session));
  }

  stop(): void {
    clearInterval(this.sweep);
  }

  /** Ends a connection's remaining calls as a gRPC server does (RST_STREAM CANCEL), then the connection. */
  private cutOff(session: http2.ServerHttp2Session): void {
    // Resetting first: destroying alone resets with NO_ERROR, which connect-node clients do not notice.
    for (const stream of this.streams) {
      if (stream.session === session) {
        stream.close(http2.constants.NGHTTP2_CANCEL);
      }
    }
    // Next turn, once the RST_STREAM frames are written: nghttp2 drops those still queued when the session is torn down.
    setImmediate(() => session.destroy());
  }

  /**
   * Resets the calls whose request has not arrived whole in time (CANCEL),
   * and those answered before their request ended (NO_ERROR, as HTTP/2 asks of
   * a server that responds early: e.g. a message over the size limit), which
   * would otherwise keep their connection, and a drain, open.
   */
  private cutOffStalledRequests(): void {
    const oldest = Date.now() - this.policy.requestTimeoutMs;
    for (const stream of this.streams) {
      if (stream.readableEnded || stream.closed) {
        continue;
      }
      if (stream.writableFinished) {
        stream.close(http2.constants.NGHTTP2_NO_ERROR);
      } else if ((this.streams.openedAt(stream) ?? Infinity) <= oldest) {
        stream.close(http2.constants.NGHTTP2_CANCEL);
      }
    }
  }

  private watch(session: http2.ServerHttp2Session): void {
    const { policy } = this;
    this.sessions.add(session);
    const timers: NodeJS.Timeout[] = [];
    const after = (ms: number, action: () => void) => {
      const timer = setTimeout(action, ms);
      timer.unref();
      timers.push(timer);
    };
    const keepalive = setInterval(() => ping(session, policy.keepaliveTimeoutMs), policy.keepaliveTimeMs);
    keepalive.unref();
    session.once('close', () => {
      this.sessions.delete(session);
      timers.forEach(clearTimeout);
      clearInterval(keepalive);
    });
    if (this.closing) {
      session.close();
    }

    let handshaken = false;
    session.once('remoteSettings', () => (handshaken = true));
    after(policy.handshakeTimeoutMs, () => {
      if (!handshaken) {
        session.destroy();
      }
    });

    if (policy.maxConnectionAgeMs > 0) {
      const jitter = 1 + (Math.random() * 0.2 - 0.1);
      after(policy.maxConnectionAgeMs * jitter, () => {
        // GOAWAY: no new calls here; the client opens a new connection, maybe to another replica.
        session.close();
        after(policy.maxConnectionAgeGraceMs, () => this.cutOff(session));
      });
    }

    enforcePingPolicy(session);
    limitSettings(session);
  }
}

/** Pings the peer; a peer that does not answer in time is gone (or stopped), and so is its connection. */
function ping(session: http2.ServerHttp2Session, timeoutMs: number): void {
  if (session.closed || session.destroyed) {
    return;
  }
  const timer = setTimeout(() => session.destroy(), timeoutMs);
  timer.unref();
  try {
    session.ping((err) => {
      clearTimeout(timer);
      if (err) {
        session.destroy();
      }
    });
  } catch {
    // Too many pings outstanding: the peer has not answered the earlier ones either.
    clearTimeout(timer);
    session.destroy();
  }
}

function enforcePingPolicy(session: http2.ServerHttp2Session): void {
  let lastPing = 0;
  let strikes = 0;
  session.on('stream', () => (strikes = 0));
  session.on('ping', () => {
    const now = Date.now();
    if (now - lastPing < PING_MIN_INTERVAL_MS && ++strikes > MAX_PING_STRIKES) {
      calmDown(session);
    }
    lastPing = now;
  });
}

function limitSettings(session: http2.ServerHttp2Session): void {
  let windowStart = 0;
  let count = 0;
  session.on('remoteSettings', () => {
    const now = Date.now();
    if (now - windowStart >= 1_000) {
      windowStart = now;
      count = 0;
    }
    if (++count > MAX_SETTINGS_PER_SECOND) {
      calmDown(session);
    }
  });
}

function calmDown(session: http2.ServerHttp2Session): void {
  if (!session.destroyed) {
    session.goaway(http2.constants.NGHTTP2_ENHANCE_YOUR_CALM);
    session.destroy();
  }
}
