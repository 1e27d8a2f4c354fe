import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { Client, credentials, type ServiceError } from '@grpc/grpc-js';
import {
  SayHelloRequestSchema,
  SayHelloResponseSchema,
  type SayHelloRequest,
  type SayHelloResponse,
} from '@protomesh/proto/greeter/v1';
import { greeting } from './grpc-frame.js';

const PROBE_DEADLINE_MS = 5_000;

/**
 * One real SayHello through an independent gRPC client (grpc-js), so a server
 * that answers with an error or the wrong greeting is caught before a minute
 * of load is spent on it. Resolves to a problem description, or undefined.
 */
export function probeSayHello(port: number, name: string): Promise<string | undefined> {
  const client = new Client(`127.0.0.1:${port}`, credentials.createInsecure());
  return new Promise<string | undefined>((resolve) => {
    client.makeUnaryRequest(
      '/greeter.v1.GreeterService/SayHello',
      (request: SayHelloRequest) => Buffer.from(toBinary(SayHelloRequestSchema, request)),
      (bytes: Buffer): SayHelloResponse => fromBinary(SayHelloResponseSchema, bytes),
      create(SayHelloRequestSchema, { name }),
      { deadline: Date.now() + PROBE_DEADLINE_MS },
      (err: ServiceError | null, response?: SayHelloResponse) => {
        if (err) {
          resolve(`probe SayHello failed: ${err.message}`);
        } else if (response?.message !== greeting(name)) {
          resolve(
            `probe SayHello answered ${JSON.stringify(response?.message)}, expected ${JSON.stringify(greeting(name))}`,
          );
        } else {
          resolve(undefined);
        }
      },
    );
  }).finally(() => client.close());
}
