import type { Readable } from 'node:stream';

/**
 * The runner's framing on stdin and stdout: each message is prefixed with its
 * length as a 4-byte big-endian unsigned integer.
 */
export function sizeDelimited(message: Uint8Array): Uint8Array {
  const framed = new Uint8Array(4 + message.byteLength);
  new DataView(framed.buffer).setUint32(0, message.byteLength, false);
  framed.set(message, 4);
  return framed;
}

/**
 * Reads one size-delimited message from `input` and stops reading there (the
 * runner closes stdin after it, but nothing here depends on that). Rejects when
 * the input ends before the message is complete or announces more than
 * `maxBytes`.
 */
export function readSizeDelimited(input: Readable, maxBytes = 1024 * 1024): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    let buffered = Buffer.alloc(0);
    const finish = (error: Error | undefined, message?: Uint8Array) => {
      input.off('data', onData).off('end', onEnd).off('error', onError);
      input.pause();
      if (error) {
        reject(error);
      } else {
        resolve(message as Uint8Array);
      }
    };
    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (buffered.byteLength < 4) {
        return;
      }
      const size = buffered.readUInt32BE(0);
      if (size > maxBytes) {
        finish(new Error(`size-delimited message of ${size} bytes exceeds the limit of ${maxBytes}`));
      } else if (buffered.byteLength >= 4 + size) {
        finish(undefined, new Uint8Array(buffered.subarray(4, 4 + size)));
      }
    };
    const onEnd = () =>
      finish(new Error(`input ended after ${buffered.byteLength} bytes, before a complete size-delimited message`));
    const onError = (err: Error) => finish(err);
    input.on('data', onData).on('end', onEnd).on('error', onError);
  });
}
