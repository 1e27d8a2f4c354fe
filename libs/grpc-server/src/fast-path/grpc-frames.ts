import { Code, ConnectError } from '@connectrpc/connect';

/** One length-prefixed gRPC message: the flags byte and the payload. */
export interface Envelope {
  readonly flags: number;
  readonly data: Uint8Array;
}

export const COMPRESSED_FLAG = 0b0000_0001;

const PREFIX_BYTES = 5;

function tooLarge(length: number, readMaxBytes: number): ConnectError {
  return new ConnectError(
    `message size ${length} is larger than configured readMaxBytes ${readMaxBytes}`,
    Code.ResourceExhausted,
  );
}

/**
 * Splits a request body into envelopes as connect-node's envelope decoder
 * does, so both paths fail alike: a length prefix over `readMaxBytes` fails at
 * once (before its payload arrives, nothing allocated for it), with the same
 * RESOURCE_EXHAUSTED message; every envelope in a chunk is split before any is
 * handed out; payloads are copied out of the socket buffers.
 */
export class EnvelopeSplitter {
  private readonly chunks: Uint8Array[] = [];
  private buffered = 0;
  private pending: { flags: number; length: number } | undefined;

  constructor(private readonly readMaxBytes: number) {}

  /**
   * Bytes received but not yet part of a complete envelope. As in Connect, a
   * length prefix whose payload never started does not count: such a body
   * reads as "no message" rather than "incomplete envelope".
   */
  get partialBytes(): number {
    return this.buffered;
  }

  /** Adds a chunk; returns the envelopes it completes (usually one, or none). Throws RESOURCE_EXHAUSTED. */
  push(chunk: Uint8Array): Envelope[] {
    const complete: Envelope[] = [];
    if (chunk.byteLength === 0) {
      return complete;
    }
    this.chunks.push(chunk);
    this.buffered += chunk.byteLength;
    for (;;) {
      if (this.pending === undefined) {
        if (this.buffered < PREFIX_BYTES) {
          return complete;
        }
        const prefix = this.take(PREFIX_BYTES);
        const length = ((prefix[1] << 24) >>> 0) + (prefix[2] << 16) + (prefix[3] << 8) + prefix[4];
        if (length > this.readMaxBytes) {
          throw tooLarge(length, this.readMaxBytes);
        }
        this.pending = { flags: prefix[0], length };
      }
      if (this.buffered < this.pending.length) {
        return complete;
      }
      complete.push({ flags: this.pending.flags, data: this.take(this.pending.length) });
      this.pending = undefined;
    }
  }

  /** Removes `length` bytes from the front into a new array. */
  private take(length: number): Uint8Array {
    const out = Buffer.allocUnsafe(length);
    let offset = 0;
    while (offset < length) {
      const head = this.chunks[0];
      const wanted = length - offset;
      if (head.byteLength <= wanted) {
        out.set(head, offset);
        offset += head.byteLength;
        this.chunks.shift();
      } else {
        out.set(head.subarray(0, wanted), offset);
        this.chunks[0] = head.subarray(wanted);
        offset = length;
      }
    }
    this.buffered -= length;
    return out;
  }
}

/**
 * The envelope when `chunk` is exactly one whole envelope, what a unary
 * request's body nearly always is, without setting up a splitter; else
 * undefined. Throws RESOURCE_EXHAUSTED as the splitter would.
 */
export function wholeEnvelope(chunk: Uint8Array, readMaxBytes: number): Envelope | undefined {
  if (chunk.byteLength < PREFIX_BYTES) {
    return undefined;
  }
  const length = ((chunk[1] << 24) >>> 0) + (chunk[2] << 16) + (chunk[3] << 8) + chunk[4];
  if (length > readMaxBytes) {
    throw tooLarge(length, readMaxBytes);
  }
  if (chunk.byteLength !== PREFIX_BYTES + length) {
    return undefined;
  }
  return { flags: chunk[0], data: copyOf(chunk, PREFIX_BYTES, chunk.byteLength) };
}

/**
 * A copy of `bytes[start, end)`, as Connect makes one: parsed bytes and
 * unknown fields are views into their input and must not pin the socket's
 * read buffer. A Buffer rather than a Uint8Array: small ones come from Node's
 * pool, whose memory already lives outside the V8 heap, so the parser's
 * DataView does not have to move a fresh array's bytes there on every call.
 */
function copyOf(bytes: Uint8Array, start: number, end: number): Uint8Array {
  const out = Buffer.allocUnsafe(end - start);
  out.set(bytes.subarray(start, end));
  return out;
}

/** A gRPC envelope around `data`, in one buffer (one DATA frame). */
export function encodeEnvelope(flags: number, data: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(PREFIX_BYTES + data.byteLength);
  frame[0] = flags;
  frame.writeUInt32BE(data.byteLength, 1);
  frame.set(data, PREFIX_BYTES);
  return frame;
}
