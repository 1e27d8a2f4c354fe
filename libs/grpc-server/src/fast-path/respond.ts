import { contentTypeProto, grpcStatusOk } from '@connectrpc/connect/protocol-grpc';
import { constants, type OutgoingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import { hasApplicationMetadata } from '../trailers-only.js';
import { type HeaderEntries, ResponseHeaders, toNodeHeaders } from './lazy-headers.js';

const TRAILERS = Symbol('protomesh.fastPath.trailers');

type TrailingStream = ServerHttp2Stream & { [TRAILERS]?: OutgoingHttpHeaders };

// node:http2 only reads these (Node 20 copies them first), so one of each can serve every call.
const RESPOND_OPTIONS = { waitForTrailers: true };
const TRAILERS_ONLY_OPTIONS = { endStream: true };
const OK_TRAILER_PRESET: HeaderEntries = [['grpc-status', grpcStatusOk]];
const OK_TRAILERS: OutgoingHttpHeaders = { 'grpc-status': grpcStatusOk };

/**
 * Whether this Node's `respond()` takes raw header arrays (24 does, 20 does
 * not): learnt from the first response, which falls back to the header
 * object when Node refuses the array before sending anything.
 */
let rawHeadersSupported = true;

/**
 * The response headers for a set of entries, in both forms node:http2 takes.
 * The raw array skips the copy and key walk Node gives a header object on
 * every response, a few percent of a call; it carries its own `date` (Node
 * would otherwise push one onto the array it is given), so Node never changes
 * it and one array can serve every call of the same second.
 */
class HeaderPreset {
  readonly node: OutgoingHttpHeaders;
  private readonly pairs: string[];
  private second = -1;
  private raw: string[] = [];

  constructor(
    readonly entries: HeaderEntries,
    base: OutgoingHttpHeaders,
  ) {
    this.node = { ...base, ...Object.fromEntries(entries) };
    this.pairs = Object.entries(this.node).flatMap(([name, value]) => [name, String(value)]);
  }

  rawHeaders(now: number): string[] {
    const second = Math.floor(now / 1000);
    if (second !== this.second) {
      this.second = second;
      this.raw = [...this.pairs, constants.HTTP2_HEADER_DATE, new Date(second * 1000).toUTCString()];
    }
    return this.raw;
  }
}

/**
 * Writes fast-path responses exactly as the slow path does (grpcNodeAdapter):
 * HEADERS (status 200, the server's own headers first, then the call's), the
 * message in one DATA frame, trailers in a final HEADERS frame. A call that
 * ends without a message and without metadata of the application's is
 * answered Trailers-Only: the status in the one HEADERS frame, as grpc-go and
 * grpc-java do.
 */
export class Responder {
  private readonly presets = new Map<string, HeaderPreset>();
  private readonly base: OutgoingHttpHeaders;

  /** `serverHeaders` go on every response (x-server-instance and the like). */
  constructor(serverHeaders: Readonly<Record<string, string>>) {
    this.base = { ...serverHeaders, [constants.HTTP2_HEADER_STATUS]: 200 };
  }

  /** Fresh response headers for a call: content-type, and grpc-encoding when responses are compressed. */
  responseHeader(encoding: string | undefined): ResponseHeaders {
    return new ResponseHeaders(this.preset(encoding).entries);
  }

  /** Fresh response trailers for a call: grpc-status 0 until something else is known. */
  responseTrailer(): ResponseHeaders {
    return new ResponseHeaders(OK_TRAILER_PRESET);
  }

  /**
   * Sends the response unless the stream is gone (the client reset it, or the
   * server cut it off while draining); `body` is a whole gRPC frame or none.
   * Headers and trailers nobody made or touched go out as prepared.
   */
  send(
    stream: ServerHttp2Stream,
    header: ResponseHeaders | undefined,
    encoding: string | undefined,
    body: Buffer | undefined,
    trailer: ResponseHeaders | undefined,
  ): void {
    if (stream.destroyed || stream.closed) {
      return;
    }
    let preset: HeaderPreset | undefined;
    let headers: OutgoingHttpHeaders;
    if (header === undefined || header.untouched) {
      preset = this.preset(encoding);
      headers = preset.node;
    } else {
      headers = toNodeHeaders(header, this.base);
    }
    const trailers = trailer === undefined || trailer.untouched ? OK_TRAILERS : toNodeHeaders(trailer, {});
    try {
      if (body === undefined && !hasOwnMetadata(header)) {
        stream.respond({ ...headers, ...trailers }, TRAILERS_ONLY_OPTIONS);
        return;
      }
      (stream as TrailingStream)[TRAILERS] = trailers;
      stream.on('wantTrailers', sendTrailers);
      if (preset === undefined || !respondRaw(stream, preset)) {
        stream.respond(headers, RESPOND_OPTIONS);
      }
      if (body === undefined) {
        stream.end();
      } else {
        stream.end(body);
      }
    } catch {
      // Headers node:http2 refuses (connection-specific ones a handler set):
      // end the call for the client rather than leave it hanging.
      stream.close(constants.NGHTTP2_INTERNAL_ERROR);
    }
  }

  private preset(encoding: string | undefined): HeaderPreset {
    const key = encoding ?? '';
    let preset = this.presets.get(key);
    if (preset === undefined) {
      const entries: [string, string][] = [['content-type', contentTypeProto]];
      if (encoding !== undefined) {
        entries.push(['grpc-encoding', encoding]);
      }
      preset = new HeaderPreset(entries, this.base);
      this.presets.set(key, preset);
    }
    return preset;
  }
}

/** Responds with the preset's raw array; false when this Node refuses arrays (nothing was sent then). */
function respondRaw(stream: ServerHttp2Stream, preset: HeaderPreset): boolean {
  if (!rawHeadersSupported) {
    return false;
  }
  try {
    stream.respond(preset.rawHeaders(Date.now()), RESPOND_OPTIONS);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ERR_INVALID_ARG_TYPE') {
      throw err;
    }
    rawHeadersSupported = false;
    return false;
  }
}

function hasOwnMetadata(header: ResponseHeaders | undefined): boolean {
  return header !== undefined && !header.untouched && hasApplicationMetadata(header.keys());
}

function sendTrailers(this: TrailingStream): void {
  const trailers = this[TRAILERS] ?? OK_TRAILERS;
  this[TRAILERS] = undefined;
  try {
    this.sendTrailers(trailers);
  } catch {
    this.close(constants.NGHTTP2_INTERNAL_ERROR);
  }
}
