import { SAY_HELLO_PATH } from './grpc-frames.js';

/**
 * HTTP/2 frames built by hand (RFC 9113), for peers no HTTP/2 library would
 * be: half a preface, floods of PINGs, SETTINGS or HEADERS + RST_STREAM, a
 * stream whose body never comes. H2Wire writes them on a plain TCP socket.
 */

export const CLIENT_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

export const FrameType = {
  DATA: 0x0,
  HEADERS: 0x1,
  RST_STREAM: 0x3,
  SETTINGS: 0x4,
  PING: 0x6,
  GOAWAY: 0x7,
  WINDOW_UPDATE: 0x8,
} as const;

export const FrameFlag = { END_STREAM: 0x1, ACK: 0x1, END_HEADERS: 0x4 } as const;

/** HTTP/2 error codes (RFC 9113 §7), by name. */
export const H2Error = {
  NO_ERROR: 0x0,
  PROTOCOL_ERROR: 0x1,
  INTERNAL_ERROR: 0x2,
  FLOW_CONTROL_ERROR: 0x3,
  SETTINGS_TIMEOUT: 0x4,
  STREAM_CLOSED: 0x5,
  FRAME_SIZE_ERROR: 0x6,
  REFUSED_STREAM: 0x7,
  CANCEL: 0x8,
  COMPRESSION_ERROR: 0x9,
  CONNECT_ERROR: 0xa,
  ENHANCE_YOUR_CALM: 0xb,
  INADEQUATE_SECURITY: 0xc,
  HTTP_1_1_REQUIRED: 0xd,
} as const;

export type H2ErrorName = keyof typeof H2Error;

/** The name of an HTTP/2 error code, or its number for one RFC 9113 does not define. */
export function h2ErrorName(code: number): H2ErrorName | `0x${string}` {
  const name = (Object.keys(H2Error) as H2ErrorName[]).find((key) => H2Error[key] === code);
  return name ?? `0x${code.toString(16)}`;
}

export interface Frame {
  readonly type: number;
  readonly flags: number;
  readonly streamId: number;
  readonly payload: Buffer;
}

/** One frame: 9-byte header (length, type, flags, stream id), then the payload. */
export function h2Frame(type: number, flags: number, streamId: number, payload: Uint8Array = Buffer.alloc(0)): Buffer {
  const header = Buffer.alloc(9);
  header.writeUIntBE(payload.byteLength, 0, 3);
  header.writeUInt8(type, 3);
  header.writeUInt8(flags, 4);
  header.writeUInt32BE(streamId & 0x7fff_ffff, 5);
  return Buffer.concat([header, payload]);
}

export function settingsFrame(settings: ReadonlyArray<readonly [id: number, value: number]> = []): Buffer {
  const payload = Buffer.alloc(6 * settings.length);
  settings.forEach(([id, value], i) => {
    payload.writeUInt16BE(id, 6 * i);
    payload.writeUInt32BE(value, 6 * i + 2);
  });
  return h2Frame(FrameType.SETTINGS, 0, 0, payload);
}

export const SETTINGS_ACK = h2Frame(FrameType.SETTINGS, FrameFlag.ACK, 0);

export function pingFrame(opaque: Uint8Array = Buffer.alloc(8), ack = false): Buffer {
  return h2Frame(FrameType.PING, ack ? FrameFlag.ACK : 0, 0, opaque);
}

export function rstStreamFrame(streamId: number, code: number): Buffer {
  const payload = Buffer.alloc(4);
  payload.writeUInt32BE(code);
  return h2Frame(FrameType.RST_STREAM, 0, streamId, payload);
}

export function dataFrame(streamId: number, data: Uint8Array, endStream = false): Buffer {
  return h2Frame(FrameType.DATA, endStream ? FrameFlag.END_STREAM : 0, streamId, data);
}

/** A complete header block (END_HEADERS) in one HEADERS frame. */
export function headersFrame(
  streamId: number,
  headers: ReadonlyArray<readonly [name: string, value: string]>,
  endStream = false,
): Buffer {
  const flags = FrameFlag.END_HEADERS | (endStream ? FrameFlag.END_STREAM : 0);
  return h2Frame(FrameType.HEADERS, flags, streamId, encodeHeaderBlock(headers));
}

/** The header block of a gRPC call as a well-behaved client sends it (a SayHello unless `path` says otherwise). */
export function grpcRequestHeaders(path = SAY_HELLO_PATH): Array<readonly [string, string]> {
  return [
    [':method', 'POST'],
    [':scheme', 'http'],
    [':path', path],
    [':authority', '127.0.0.1'],
    ['content-type', 'application/grpc'],
    ['te', 'trailers'],
  ];
}

/**
 * HPACK (RFC 7541) at its plainest: every field a literal without indexing,
 * with a literal name, no Huffman coding. Any decoder must accept it, and it
 * leaves the peer's dynamic table untouched.
 */
export function encodeHeaderBlock(headers: ReadonlyArray<readonly [name: string, value: string]>): Buffer {
  const parts: Buffer[] = [];
  for (const [name, value] of headers) {
    parts.push(Buffer.of(0x00));
    for (const text of [name, value]) {
      const bytes = Buffer.from(text, 'latin1');
      parts.push(hpackInteger(bytes.byteLength, 7, 0x00), bytes);
    }
  }
  return Buffer.concat(parts);
}

/** An HPACK integer with an N-bit prefix (RFC 7541 §5.1), the prefix's other bits from `high`. */
function hpackInteger(value: number, prefixBits: number, high: number): Buffer {
  const max = (1 << prefixBits) - 1;
  if (value < max) {
    return Buffer.of(high | value);
  }
  const bytes = [high | max];
  let rest = value - max;
  while (rest >= 0x80) {
    bytes.push((rest & 0x7f) | 0x80);
    rest >>>= 7;
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}

/** The name of a frame type, or `type<N>` for one RFC 9113 does not define. */
export function frameTypeName(type: number): string {
  const name = (Object.keys(FrameType) as (keyof typeof FrameType)[]).find((key) => FrameType[key] === type);
  return name ?? `type${type}`;
}
