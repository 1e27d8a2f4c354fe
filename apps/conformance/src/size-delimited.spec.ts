import { PassThrough } from 'node:stream';
import { readSizeDelimited, sizeDelimited } from './size-delimited.js';

describe('size-delimited messages (the runner protocol on stdin and stdout)', () => {
  it('prefixes a message with its length, 4 bytes big-endian', () => {
    expect([...sizeDelimited(new Uint8Array([7, 8, 9]))]).toEqual([0, 0, 0, 3, 7, 8, 9]);
  });

  it('reads one message arriving in pieces, and nothing after it', async () => {
    const input = new PassThrough();
    const framed = Buffer.from(sizeDelimited(new Uint8Array(300).fill(5)));
    const read = readSizeDelimited(input);
    input.write(framed.subarray(0, 2));
    input.write(framed.subarray(2, 100));
    input.write(Buffer.concat([framed.subarray(100), Buffer.from([1, 2, 3])]));
    const message = await read;
    expect(message.byteLength).toBe(300);
    expect(message.every((byte) => byte === 5)).toBe(true);
  });

  it('reads an empty message', async () => {
    const input = new PassThrough();
    const read = readSizeDelimited(input);
    input.end(Buffer.from(sizeDelimited(new Uint8Array(0))));
    expect((await read).byteLength).toBe(0);
  });

  it('fails when the input ends early', async () => {
    const input = new PassThrough();
    const read = readSizeDelimited(input);
    input.end(Buffer.from([0, 0, 0, 9, 1]));
    await expect(read).rejects.toThrow('input ended after 5 bytes');
  });

  it('fails on a length over the limit without waiting for the body', async () => {
    const input = new PassThrough();
    const read = readSizeDelimited(input, 1024);
    input.write(Buffer.from([0, 1, 0, 0]));
    await expect(read).rejects.toThrow('65536 bytes exceeds the limit of 1024');
  });
});
