import { create, toBinary } from '@bufbuild/protobuf';
import { SayHelloRequestSchema, SayHelloResponseSchema } from '@protomesh/proto/greeter/v1';

/** gRPC length-prefixed message: compressed flag (0), big-endian uint32 length, message. */
export function frameMessage(message: Uint8Array): Uint8Array {
  const frame = new Uint8Array(5 + message.length);
  new DataView(frame.buffer).setUint32(1, message.length);
  frame.set(message, 5);
  return frame;
}

/** The greeting every server under test must answer with. */
export function greeting(name: string): string {
  return `Hello, ${name}!`;
}

/** The HTTP/2 request body h2load sends for SayHello(name). */
export function sayHelloRequestFrame(name: string): Uint8Array {
  return frameMessage(toBinary(SayHelloRequestSchema, create(SayHelloRequestSchema, { name })));
}

/** The DATA payload of a successful SayHello(name) response. */
export function sayHelloResponseFrame(name: string): Uint8Array {
  return frameMessage(toBinary(SayHelloResponseSchema, create(SayHelloResponseSchema, { message: greeting(name) })));
}
