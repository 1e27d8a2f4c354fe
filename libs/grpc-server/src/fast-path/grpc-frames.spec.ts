import { Code, ConnectError } from '@connectrpc/connect';
import { grpcFrame } from '@protomesh/testing';
import { encodeEnvelope, EnvelopeSplitter, wholeEnvelope } from './grpc-frames.js';

const bytes = (...values: number[]) => Uint8Array.from(values);

describe('EnvelopeSplitter', () => {
  it('joins an envelope split over several chunks, and copies it out', () => {
    const frame = grpcFrame(bytes(1, 2, 3, 4), 0);
    const splitter = new EnvelopeSplitter(100);
    expect(splitter.push(frame.subarray(0, 2))).toEqual([]);
    expect(splitter.push(frame.subarray(2, 7))).toEqual([]);
    const [envelope] = splitter.push(frame.subarray(7));
    expect(envelope).toEqual({ flags: 0, data: Buffer.from([1, 2, 3, 4]) });
    frame.fill(9);
    expect([...envelope.data]).toEqual([1, 2, 3, 4]);
    expect(splitter.partialBytes).toBe(0);
  });

  it('returns every envelope a chunk completes, in order, flags kept', () => {
    const splitter = new EnvelopeSplitter(100);
    const envelopes = splitter.push(
      Buffer.concat([grpcFrame(bytes(1)), grpcFrame(bytes(), 1), grpcFrame(bytes(2, 3))]),
    );
    expect(envelopes.map((e) => [e.flags, [...e.data]])).toEqual([
      [0, [1]],
      [1, []],
      [0, [2, 3]],
    ]);
  });

  it("refuses a length prefix over the cap as soon as the prefix is in, with Connect's message", () => {
    const splitter = new EnvelopeSplitter(10);
    expect(() => splitter.push(grpcFrame(bytes(), 0, 11).subarray(0, 5))).toThrow(
      new ConnectError('message size 11 is larger than configured readMaxBytes 10', Code.ResourceExhausted),
    );
  });

  it('counts bytes of an unfinished envelope as partial, but not a bare length prefix (as Connect)', () => {
    const prefixOnly = new EnvelopeSplitter(100);
    prefixOnly.push(grpcFrame(bytes(), 0, 3));
    expect(prefixOnly.partialBytes).toBe(0);
    const started = new EnvelopeSplitter(100);
    started.push(grpcFrame(bytes(1), 0, 3));
    expect(started.partialBytes).toBe(1);
    const cutPrefix = new EnvelopeSplitter(100);
    cutPrefix.push(bytes(0, 0, 0));
    expect(cutPrefix.partialBytes).toBe(3);
  });
});

describe('wholeEnvelope', () => {
  it('takes a chunk that is exactly one envelope', () => {
    expect(wholeEnvelope(grpcFrame(bytes(7, 8)), 100)).toEqual({ flags: 0, data: Buffer.from([7, 8]) });
    expect(wholeEnvelope(grpcFrame(bytes(), 1), 100)).toEqual({ flags: 1, data: Buffer.alloc(0) });
  });

  it('declines anything else', () => {
    expect(wholeEnvelope(bytes(0, 0, 0), 100)).toBeUndefined();
    expect(wholeEnvelope(grpcFrame(bytes(1), 0, 2), 100)).toBeUndefined();
    expect(wholeEnvelope(Buffer.concat([grpcFrame(bytes(1)), grpcFrame(bytes(2))]), 100)).toBeUndefined();
  });

  it('refuses a length over the cap', () => {
    expect(() => wholeEnvelope(grpcFrame(bytes(1, 2, 3)), 2)).toThrow(
      'message size 3 is larger than configured readMaxBytes 2',
    );
  });
});

describe('encodeEnvelope', () => {
  it('writes flags, big-endian length and payload', () => {
    expect([...encodeEnvelope(1, bytes(5, 6, 7))]).toEqual([1, 0, 0, 0, 3, 5, 6, 7]);
  });
});
