import { Code, ConnectError, type UnaryRequest, type UnaryResponse } from '@connectrpc/connect';
import { type Compression, compressionNegotiate } from '@connectrpc/connect/protocol';
import { headerAcceptEncoding, parseTimeout, setTrailerStatus } from '@connectrpc/connect/protocol-grpc';
import type { IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import { errorFromResetCode } from './call-signal.js';
import { COMPRESSED_FLAG, encodeEnvelope } from './grpc-frames.js';
import { type CallState, createUnaryRequest, FastContextValues, FastHandlerContext } from './handler-context.js';
import { RequestHeaders, type ResponseHeaders } from './lazy-headers.js';
import type { Responder } from './respond.js';
import { type FastRoute, isThenable } from './route-table.js';
import { Phase, UnaryBody } from './unary-body.js';

const CALL = Symbol('protomesh.fastPath.streamCall');

type CallStream = ServerHttp2Stream & { [CALL]?: UnaryCall };

const NO_TIMEOUT = (): number | undefined => undefined;

/**
 * One unary call on the fast path, from the request headers to the trailers,
 * following connect-node's gRPC handler step by step so that both paths fail
 * alike: request gate (drain) first, before the body is read; then a bad
 * grpc-encoding, then a bad grpc-timeout; then the body (UnaryBody);
 * interceptors and handler; serialisation. Protocol errors are answered
 * here without interceptors, as in Connect, where they happen before the
 * interceptor chain is entered.
 *
 * Stream events reach the call through listeners shared by all calls, and
 * the deadline timer takes the call as its argument: no closure per call
 * for either (a deadline's `timeoutMs` and an asynchronous gate make one).
 */
export class UnaryCall extends UnaryBody implements CallState {
  timeoutMs = NO_TIMEOUT;
  // Made on first use, usually when the handler runs: made at the start they
  // would live as long as the call, which under load means long enough to be
  // promoted to the old generation.
  private requestHeaders: RequestHeaders | undefined;
  private responseHeaders: ResponseHeaders | undefined;
  private responseTrailers: ResponseHeaders | undefined;
  private contextValues: FastContextValues | undefined;

  private timer: NodeJS.Timeout | undefined;
  private responseCompression: Compression | null = null;
  private watching = false;

  constructor(
    protected readonly route: FastRoute,
    private readonly stream: CallStream,
    readonly url: string,
    private readonly responder: Responder,
    private readonly headers: IncomingHttpHeaders,
  ) {
    super();
    const early = this.negotiate(headers);
    const gate = route.options.requestGate;
    if (gate !== undefined) {
      let verdict: void | Promise<void>;
      try {
        verdict = gate(new FastHandlerContext(this, route.method, route.method.parent));
      } catch (err) {
        this.fail(err);
        return;
      }
      if (isThenable(verdict)) {
        verdict.then(
          () => this.admit(early),
          (err: unknown) => this.fail(err),
        );
        return;
      }
    }
    this.admit(early);
  }

  get requestHeader(): Headers {
    return (this.requestHeaders ??= new RequestHeaders(this.headers)) as unknown as Headers;
  }

  get responseHeader(): Headers {
    return (this.responseHeaders ??= this.responder.responseHeader(
      this.responseCompression?.name,
    )) as unknown as Headers;
  }

  get responseTrailer(): Headers {
    return (this.responseTrailers ??= this.responder.responseTrailer()) as unknown as Headers;
  }

  get values(): FastContextValues {
    return (this.contextValues ??= new FastContextValues());
  }

  /**
   * Compression and deadline from the request headers. Their errors are
   * raised only once the gate has let the call in, compression first.
   */
  private negotiate(headers: IncomingHttpHeaders): ConnectError | undefined {
    let compressionError: ConnectError | undefined;
    const encoding = headers['grpc-encoding'];
    const accepted = headers['grpc-accept-encoding'];
    if (encoding !== undefined || accepted !== undefined) {
      const negotiated = compressionNegotiate(
        this.route.options.acceptCompression,
        headerValue(encoding),
        headerValue(accepted),
        headerAcceptEncoding,
      );
      this.requestCompression = negotiated.request;
      this.responseCompression = negotiated.response;
      compressionError = negotiated.error;
    }
    const timeoutText = headers['grpc-timeout'];
    if (timeoutText === undefined) {
      return compressionError;
    }
    const timeout = parseTimeout(headerValue(timeoutText), this.route.options.maxTimeoutMs);
    if (timeout.timeoutMs !== undefined) {
      // Whole milliseconds, as Connect's handler context keeps its deadline (a Date).
      const deadline = Math.trunc(Date.now() + timeout.timeoutMs);
      this.timeoutMs = () => deadline - Date.now();
      if (timeout.error === undefined && compressionError === undefined) {
        if (timeout.timeoutMs <= 0) {
          this.abort(deadlineExceeded());
        } else {
          this.timer = setTimeout(onDeadline, timeout.timeoutMs, this);
        }
      }
    }
    return compressionError ?? timeout.error;
  }

  private admit(early: ConnectError | undefined): void {
    if (early !== undefined) {
      this.fail(early);
      return;
    }
    if (this.phase !== Phase.Reading) {
      return;
    }
    const stream = this.stream;
    stream[CALL] = this;
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', ignore);
    if (this.timer !== undefined) {
      this.watchClose();
    }
  }

  /**
   * A reset matters only to a signal someone holds and to the deadline timer:
   * the stream is watched once either exists. A call nobody watches finds out
   * at the end, when it has nowhere to send its answer.
   */
  protected override onSignalMade(): void {
    this.watchClose();
  }

  private watchClose(): void {
    const stream = this.stream;
    if (this.watching) {
      return;
    }
    this.watching = true;
    if (stream.closed || stream.destroyed) {
      this.closed();
    } else {
      stream[CALL] = this;
      stream.on('close', onClose);
    }
  }

  protected start(input: UnaryRequest['message']): void {
    // run() settles every outcome itself, so its promise never rejects.
    void this.run(input);
  }

  private async run(input: UnaryRequest['message']): Promise<void> {
    try {
      const request = createUnaryRequest(this, this.route.method, input, this.requestHeader, this.values);
      const response: UnaryResponse = await this.route.invoke(request);
      copyHeaders(response.header, this.responseHeader);
      copyHeaders(response.trailer, this.responseTrailer);
      let body = this.route.output.serialize(response.message);
      let flags = 0;
      const compression = this.responseCompression;
      if (compression !== null && body.byteLength >= this.route.options.compressMinBytes) {
        body = await compression.compress(body);
        flags = COMPRESSED_FLAG;
      }
      this.succeed(encodeEnvelope(flags, body));
    } catch (err) {
      this.fail(err);
    }
  }

  private succeed(frame: Buffer): void {
    if (this.phase === Phase.Done) {
      return;
    }
    this.finish();
    this.responder.send(
      this.stream,
      this.responseHeaders,
      this.responseCompression?.name,
      frame,
      this.responseTrailers,
    );
    // Connect aborts the handler's signal when a call completes.
    this.abort();
  }

  /** Ends the call with `reason`, as connect-node's gRPC handler reports a failure in the trailers. */
  fail(reason: unknown): void {
    if (this.phase === Phase.Done) {
      return;
    }
    this.finish();
    this.abort(reason);
    if (this.stream.destroyed || this.stream.closed) {
      return;
    }
    const error =
      reason instanceof ConnectError
        ? reason
        : new ConnectError('internal error', Code.Internal, undefined, undefined, reason);
    setTrailerStatus(this.responseTrailer, error);
    this.responder.send(
      this.stream,
      this.responseHeaders,
      this.responseCompression?.name,
      undefined,
      this.responseTrailers,
    );
  }

  /** The stream closed: normal after an answer; otherwise the client reset it or the server cut it off. */
  closed(): void {
    if (this.phase === Phase.Done) {
      return;
    }
    this.abort(errorFromResetCode(this.stream.rstCode));
    if (this.phase === Phase.Reading) {
      // Connect never gets to the handler either: the body never ends.
      this.finish();
    }
  }

  private finish(): void {
    this.phase = Phase.Done;
    // node:http2 keeps closed streams reachable until the next full GC (its
    // stream table's replaced backing stores point at them): a stream that
    // still points at its call would drag the call's whole graph through
    // every scavenge into the old generation. A finished call needs no events.
    this.stream[CALL] = undefined;
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
  }
}

function onData(this: CallStream, chunk: Buffer): void {
  this[CALL]?.receive(chunk);
}

function onEnd(this: CallStream): void {
  this[CALL]?.endOfBody();
}

function onClose(this: CallStream): void {
  const call = this[CALL];
  this[CALL] = undefined;
  call?.closed();
}

function ignore(): void {
  // Stream errors also close the stream; 'close' handles the call.
}

function onDeadline(call: UnaryCall): void {
  call.abort(deadlineExceeded());
}

function deadlineExceeded(): ConnectError {
  return new ConnectError('the operation timed out', Code.DeadlineExceeded);
}

/** A header as Connect reads it through `Headers.get`: null when absent, repeated values joined. */
function headerValue(value: string | string[] | undefined): string | null {
  if (value === undefined) {
    return null;
  }
  return typeof value === 'string' ? value : value.join(', ');
}

/** Connect's copyHeaders: an interceptor that returned other Headers replaces the call's. */
function copyHeaders(from: Headers, to: Headers): void {
  if (from === to) {
    return;
  }
  [...to.keys()].forEach((key) => to.delete(key));
  from.forEach((value, key) => to.set(key, value));
}
