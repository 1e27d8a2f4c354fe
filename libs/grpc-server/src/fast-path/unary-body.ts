import { Code, ConnectError, type UnaryRequest } from '@connectrpc/connect';
import type { Compression } from '@connectrpc/connect/protocol';
import { CallSignal } from './call-signal.js';
import { COMPRESSED_FLAG, type Envelope, EnvelopeSplitter, wholeEnvelope } from './grpc-frames.js';
import type { FastRoute } from './route-table.js';

export enum Phase {
  /** Receiving the request body. */
  Reading,
  /** Interceptors and handler running. */
  Running,
  /** Answered, failed, or abandoned by the client. */
  Done,
}

type Message = UnaryRequest['message'];

const NO_ENVELOPES: Envelope[] = [];

/**
 * The request body of a unary call, read as connect-node reads it so that
 * both paths fail alike: envelope by envelope as they complete (size cap on
 * each length prefix, decompression, parsing), then exactly one message once
 * the body has ended. Errors end the call through `fail`; the one message
 * starts it through `start`.
 */
export abstract class UnaryBody extends CallSignal {
  protected phase = Phase.Reading;
  protected requestCompression: Compression | null = null;
  protected abstract readonly route: FastRoute;
  private splitter: EnvelopeSplitter | undefined;
  private pending = NO_ENVELOPES;
  private decompressing = false;
  private ended = false;
  private received = 0;
  private input: Message | undefined;

  abstract fail(reason: unknown): void;

  protected abstract start(input: Message): void;

  receive(chunk: Buffer): void {
    if (this.phase !== Phase.Reading) {
      // After an early answer the rest of the body is read and dropped, so the
      // connection's flow-control window keeps moving for the other calls.
      return;
    }
    let envelopes: Envelope[];
    try {
      if (this.splitter === undefined) {
        const whole = wholeEnvelope(chunk, this.route.options.readMaxBytes);
        if (whole !== undefined && (whole.flags & COMPRESSED_FLAG) === 0) {
          // The usual unary request: one chunk holding exactly one plain message.
          this.accept(whole.data);
          return;
        }
        if (whole !== undefined) {
          this.pending = [whole];
          this.pump();
          return;
        }
        this.splitter = new EnvelopeSplitter(this.route.options.readMaxBytes);
      }
      envelopes = this.splitter.push(chunk);
    } catch (err) {
      this.fail(err);
      return;
    }
    if (envelopes.length > 0) {
      this.pending = this.pending.length === 0 ? envelopes : this.pending.concat(envelopes);
      this.pump();
    }
  }

  endOfBody(): void {
    this.ended = true;
    this.pump();
  }

  /** Takes the received envelopes in order; a compressed one suspends the rest until it is inflated. */
  private pump(): void {
    while (this.phase === Phase.Reading && !this.decompressing) {
      const envelope = this.pending.shift();
      if (envelope === undefined) {
        if (this.ended) {
          this.complete();
        }
        return;
      }
      if ((envelope.flags & COMPRESSED_FLAG) === 0) {
        this.accept(envelope.data);
        continue;
      }
      const compression = this.requestCompression;
      if (compression === null) {
        this.fail(new ConnectError('received compressed envelope, but do not know how to decompress', Code.Internal));
        return;
      }
      this.decompressing = true;
      compression.decompress(envelope.data, this.route.options.readMaxBytes).then(
        (data) => {
          this.decompressing = false;
          this.accept(data);
          this.pump();
        },
        (err: unknown) => this.fail(err),
      );
    }
  }

  private accept(data: Uint8Array): void {
    if (this.phase !== Phase.Reading) {
      return;
    }
    let message: Message;
    try {
      message = this.route.input.parse(data);
    } catch (err) {
      this.fail(err);
      return;
    }
    this.received++;
    if (this.received === 1) {
      this.input = message;
    } else {
      this.fail(new ConnectError('protocol error: received extra input message for unary method', Code.Unimplemented));
    }
  }

  private complete(): void {
    if (this.splitter !== undefined && this.splitter.partialBytes > 0) {
      this.fail(new ConnectError('protocol error: incomplete envelope', Code.InvalidArgument));
    } else if (this.input === undefined) {
      this.fail(new ConnectError('protocol error: missing input message for unary method', Code.Unimplemented));
    } else {
      this.phase = Phase.Running;
      this.start(this.input);
    }
  }
}
