import { connect, type Socket } from 'node:net';
import { Changes } from './changes.js';
import {
  CLIENT_PREFACE,
  type Frame,
  FrameFlag,
  FrameType,
  frameTypeName,
  h2ErrorName,
  pingFrame,
  SETTINGS_ACK,
  settingsFrame,
} from './h2-frames.js';

export interface GoAway {
  readonly lastStreamId: number;
  readonly errorCode: number;
}

export interface H2WireOptions {
  /** Send the client preface and an empty SETTINGS frame on connect. Default true. */
  readonly preface?: boolean;
  /** Answer the server's PINGs, as every HTTP/2 client does. Default: when the preface is sent. */
  readonly answerPings?: boolean;
  /** Acknowledge the server's SETTINGS. Default: when the preface is sent. */
  readonly ackSettings?: boolean;
}

/**
 * One TCP connection speaking hand-written HTTP/2: what is written is exactly
 * what the test wrote (after the optional preface), and every frame the server
 * sends is kept, parsed. Bytes that are not HTTP/2 frames (a reply to an
 * HTTP/1.1 request) stay in `raw`.
 */
export class H2Wire {
  readonly frames: Frame[] = [];
  /** Everything received, up to 64 KiB. */
  raw: Buffer = Buffer.alloc(0);
  /** Every GOAWAY the server sent, in order (an error, then NO_ERROR as the session is torn down, is common). */
  readonly goaways: GoAway[] = [];
  /** Resolves with the milliseconds from connect to close. */
  readonly closed: Promise<number>;
  private pending: Buffer = Buffer.alloc(0);
  private readonly changes = new Changes();
  private readonly openedAt = performance.now();
  private isClosed = false;
  private wasReset = false;

  private constructor(
    private readonly socket: Socket,
    private readonly options: Required<H2WireOptions>,
  ) {
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.isClosed = true;
        resolve(Math.round(performance.now() - this.openedAt));
        this.changes.notify();
      }),
    );
    // A reset by the server is one way of closing; the tests look at when and how.
    socket.on('error', (error: NodeJS.ErrnoException) => {
      // Writing into a reset connection fails with EPIPE before a read sees ECONNRESET.
      this.wasReset ||= error.code === 'ECONNRESET' || error.code === 'EPIPE';
    });
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
  }

  static connect(port: number, options: H2WireOptions = {}, host = '127.0.0.1'): Promise<H2Wire> {
    const preface = options.preface ?? true;
    const resolved = { preface, answerPings: preface, ackSettings: preface, ...options };
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host, noDelay: true });
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        const wire = new H2Wire(socket, resolved);
        if (resolved.preface) {
          wire.write(CLIENT_PREFACE, settingsFrame());
        }
        resolve(wire);
      });
    });
  }

  get isOpen(): boolean {
    return !this.isClosed;
  }

  /**
   * Whether the server reset the connection (TCP RST). A server that closes
   * while our frames still sit unread in its receive buffer resets instead of
   * closing, and the kernel may drop what it had not yet sent (a GOAWAY).
   */
  get isReset(): boolean {
    return this.wasReset;
  }

  /** This end's port: the server sees the connection coming from it. */
  get localPort(): number | undefined {
    return this.socket.localPort;
  }

  /** The server's first GOAWAY, which carries the reason. */
  get goaway(): GoAway | undefined {
    return this.goaways[0];
  }

  /** Writes the buffers in one go; false once the socket has closed or its buffer is full. */
  write(...chunks: Uint8Array[]): boolean {
    return !this.socket.destroyed && this.socket.write(Buffer.concat(chunks));
  }

  /** Resolves once the socket's write buffer has drained (at once when it is not full). */
  drained(): Promise<void> {
    return this.socket.writableNeedDrain && !this.socket.destroyed
      ? new Promise((resolve) => {
          this.socket.once('drain', resolve);
          this.socket.once('close', resolve);
        })
      : Promise.resolve();
  }

  /** The server's frames of `type` (and on `streamId`, when given). */
  framesOf(type: number, streamId?: number): Frame[] {
    return this.frames.filter((f) => f.type === type && (streamId === undefined || f.streamId === streamId));
  }

  /** Resolves once the server's SETTINGS frame has come (acknowledged already unless ackSettings is false). */
  handshake(timeoutMs = 5_000): Promise<Frame> {
    return this.waitFor('the server SETTINGS', timeoutMs, () =>
      this.frames.find((f) => f.type === FrameType.SETTINGS && (f.flags & FrameFlag.ACK) === 0),
    );
  }

  /** Resolves with the first defined result of `probe`, re-run on every frame and on close. */
  waitFor<T>(what: string, timeoutMs: number, probe: () => T | undefined): Promise<T> {
    return this.changes.until(
      what,
      timeoutMs,
      probe,
      () => (this.isClosed ? 'connection closed' : undefined),
      () => this.describe(),
    );
  }

  /** Like `waitFor`, but a close is an answer too: resolves with undefined once the connection has closed. */
  closedOr<T>(what: string, timeoutMs: number, probe: () => T | undefined): Promise<T | undefined> {
    return this.changes
      .until<{ found: T | undefined }>(
        `${what} or a close`,
        timeoutMs,
        () => {
          const found = probe();
          return found !== undefined || this.isClosed ? { found } : undefined;
        },
        () => undefined,
        () => this.describe(),
      )
      .then(({ found }) => found);
  }

  /** Resolves with the milliseconds from connect to close, or rejects after `timeoutMs`. */
  async closedWithin(timeoutMs: number): Promise<number> {
    await this.waitFor('close', timeoutMs, () => (this.isClosed ? true : undefined));
    return this.closed;
  }

  destroy(): void {
    this.socket.destroy();
  }

  describe(): string {
    const counts = new Map<number, number>();
    this.frames.forEach((f) => counts.set(f.type, (counts.get(f.type) ?? 0) + 1));
    const frames = [...counts].map(([type, n]) => `${frameTypeName(type)}×${n}`).join(' ');
    const goaway = this.goaways.map((g) => ` GOAWAY ${h2ErrorName(g.errorCode)}`).join('');
    const end = this.wasReset ? ', reset' : this.isClosed ? ', closed' : '';
    return `frames received: ${frames || 'none'}${goaway}${end}`;
  }

  private receive(chunk: Buffer): void {
    if (this.raw.byteLength < 64 * 1024) {
      this.raw = Buffer.concat([this.raw, chunk]);
    }
    this.pending = this.pending.byteLength === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    while (this.pending.byteLength >= 9) {
      const length = this.pending.readUIntBE(0, 3);
      if (this.pending.byteLength < 9 + length) {
        break;
      }
      const frame: Frame = {
        type: this.pending.readUInt8(3),
        flags: this.pending.readUInt8(4),
        streamId: this.pending.readUInt32BE(5) & 0x7fff_ffff,
        payload: this.pending.subarray(9, 9 + length),
      };
      this.pending = this.pending.subarray(9 + length);
      this.frames.push(frame);
      this.react(frame);
    }
    this.changes.notify();
  }

  private react(frame: Frame): void {
    const ack = (frame.flags & FrameFlag.ACK) !== 0;
    if (frame.type === FrameType.PING && !ack && this.options.answerPings) {
      this.write(pingFrame(frame.payload, true));
    } else if (frame.type === FrameType.SETTINGS && !ack && this.options.ackSettings) {
      this.write(SETTINGS_ACK);
    } else if (frame.type === FrameType.GOAWAY && frame.payload.byteLength >= 8) {
      this.goaways.push({
        lastStreamId: frame.payload.readUInt32BE(0) & 0x7fff_ffff,
        errorCode: frame.payload.readUInt32BE(4),
      });
    }
  }
}
