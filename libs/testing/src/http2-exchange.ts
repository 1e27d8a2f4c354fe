import { Code } from '@connectrpc/connect';
import * as http2 from 'node:http2';
import { H2Error, h2ErrorName } from './h2-frames.js';
import { type RawResponse, rawResponse, SAY_HELLO_PATH } from './grpc-frames.js';

/** How one request over node:http2 ended, whatever the server did. */
export type Ending =
  /** An HTTP response ran to its end (trailers or END_STREAM). */
  | { readonly kind: 'response'; readonly response: RawResponse }
  /** The server reset the stream (RST_STREAM) before its response ended. */
  | { readonly kind: 'reset'; readonly code: number }
  /** The server ended the connection (GOAWAY with an error) before answering. */
  | { readonly kind: 'goaway'; readonly code: number }
  /** The connection failed or closed with no answer, or nothing came in time. */
  | { readonly kind: 'no answer'; readonly reason: string };

export interface Exchange {
  readonly path?: string;
  /** Over the defaults (POST, `application/grpc`, `te: trailers`); a value of undefined removes a default. */
  readonly headers?: Record<string, string | string[] | undefined>;
  /** The request body; none (END_STREAM on the HEADERS frame) when undefined. */
  readonly body?: Uint8Array;
  /** Default 5 s. */
  readonly timeoutMs?: number;
}

/**
 * One request on a fresh node:http2 connection, reporting how it ended rather
 * than failing: for requests no gRPC library would send (no content-type, a
 * GET, a header block of 100 KB) and answers no gRPC library would report
 * (a bare HTTP status, a reset stream, a GOAWAY). The client's own limits are
 * raised out of the way, so what is tested is the server's.
 */
export function http2Exchange(url: string, exchange: Exchange = {}): Promise<Ending> {
  const { path = SAY_HELLO_PATH, body, timeoutMs = 5_000 } = exchange;
  const merged: Record<string, string | string[] | undefined> = {
    ':method': 'POST',
    ':path': path,
    'content-type': 'application/grpc',
    te: 'trailers',
    ...exchange.headers,
  };
  const headers: http2.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(merged)) {
    if (value !== undefined) {
      headers[name] = value;
    }
  }
  return new Promise((resolve) => {
    const session = http2.connect(url, { maxSendHeaderBlockLength: 1 << 24, maxHeaderListPairs: 1 << 16 });
    let goawayCode: number | undefined;
    const timer = setTimeout(() => end({ kind: 'no answer', reason: `nothing within ${timeoutMs} ms` }), timeoutMs);
    const end = (ending: Ending) => {
      clearTimeout(timer);
      session.destroy();
      resolve(ending);
    };
    session.on('goaway', (code: number) => (goawayCode = code));
    session.on('error', (error: Error) =>
      end(
        goawayCode !== undefined && goawayCode !== H2Error.NO_ERROR
          ? { kind: 'goaway', code: goawayCode }
          : { kind: 'no answer', reason: error.message },
      ),
    );
    session.on('close', () => end({ kind: 'no answer', reason: 'connection closed' }));
    const stream = session.request(headers, { endStream: body === undefined });
    let responseHeaders: http2.IncomingHttpHeaders | undefined;
    let trailers: http2.IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    stream.on('response', (h) => (responseHeaders = h));
    stream.on('trailers', (t) => (trailers = t));
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    // The 'close' event tells how it ended.
    stream.on('error', () => undefined);
    stream.on('close', () => {
      if (responseHeaders !== undefined && stream.readableEnded) {
        end({ kind: 'response', response: rawResponse(responseHeaders, trailers, Buffer.concat(chunks)) });
      } else if (goawayCode !== undefined && goawayCode !== H2Error.NO_ERROR) {
        end({ kind: 'goaway', code: goawayCode });
      } else {
        end({ kind: 'reset', code: stream.rstCode ?? H2Error.NO_ERROR });
      }
    });
    if (body !== undefined) {
      stream.end(body);
    }
  });
}

/**
 * The code a gRPC client reports for a stream the server reset, as gRPC's
 * PROTOCOL-HTTP2.md maps RST_STREAM error codes ("Errors"): REFUSED_STREAM is
 * UNAVAILABLE (safe to retry), CANCEL is CANCELLED, ENHANCE_YOUR_CALM is
 * RESOURCE_EXHAUSTED, INADEQUATE_SECURITY is PERMISSION_DENIED, anything else
 * INTERNAL.
 */
export function grpcCodeOfReset(rstCode: number): Code {
  switch (rstCode) {
    case H2Error.REFUSED_STREAM:
      return Code.Unavailable;
    case H2Error.CANCEL:
      return Code.Canceled;
    case H2Error.ENHANCE_YOUR_CALM:
      return Code.ResourceExhausted;
    case H2Error.INADEQUATE_SECURITY:
      return Code.PermissionDenied;
    default:
      return Code.Internal;
  }
}

/** One line for a table: `HTTP 415`, `grpc-status 3`, `RST_STREAM ENHANCE_YOUR_CALM`, `GOAWAY PROTOCOL_ERROR`. */
export function describeEnding(ending: Ending): string {
  switch (ending.kind) {
    case 'response': {
      const { status, grpcStatus } = ending.response;
      return grpcStatus === undefined || status !== 200 ? `HTTP ${status}` : `grpc-status ${grpcStatus}`;
    }
    case 'reset':
      return `RST_STREAM ${h2ErrorName(ending.code)}`;
    case 'goaway':
      return `GOAWAY ${h2ErrorName(ending.code)}`;
    case 'no answer':
      return `no answer (${ending.reason})`;
  }
}
