import { fromBinary } from '@bufbuild/protobuf';
import { SayHelloRequestSchema, SayHelloResponseSchema } from '@protomesh/proto/greeter/v1';
import { frameMessage, greeting, sayHelloRequestFrame, sayHelloResponseFrame } from './grpc-frame.js';

describe('frameMessage', () => {
  it('prefixes an uncompressed flag and the big-endian length', () => {
    expect([...frameMessage(Uint8Array.of(7, 8, 9))]).toEqual([0, 0, 0, 0, 3, 7, 8, 9]);
  });

  it('writes lengths above 255 across the length bytes', () => {
    const frame = frameMessage(new Uint8Array(0x10203));
    expect([...frame.subarray(0, 5)]).toEqual([0, 0, 1, 2, 3]);
    expect(frame.length).toBe(5 + 0x10203);
  });
});

describe('SayHello frames', () => {
  it('carry a SayHelloRequest with the name after the prefix', () => {
    const frame = sayHelloRequestFrame('bench');
    expect([...frame.subarray(0, 5)]).toEqual([0, 0, 0, 0, frame.length - 5]);
    expect(fromBinary(SayHelloRequestSchema, frame.subarray(5)).name).toBe('bench');
  });

  it('carry the greeting a server must answer with', () => {
    const frame = sayHelloResponseFrame('Zoë');
    expect(fromBinary(SayHelloResponseSchema, frame.subarray(5)).message).toBe(greeting('Zoë'));
    expect(greeting('Zoë')).toBe('Hello, Zoë!');
    // "Hello, Zoë!" is 12 bytes in UTF-8, plus tag and length: what h2load's byte count is checked against.
    expect(frame.length).toBe(5 + 2 + 12);
  });
});
