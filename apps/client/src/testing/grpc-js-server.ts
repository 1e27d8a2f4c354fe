import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { join } from 'node:path';

const PROTO_ROOT = join(__dirname, '../../../../proto');

/** What the peer answers to the n-th SayHello (0-based): a message or a status. */
export type PeerAnswer = { message: string } | { code: grpc.status; details: string };

export interface GrpcJsGreeter {
  readonly url: string;
  /** How many SayHello calls arrived, retries included. */
  readonly calls: () => number;
  close(): void;
}

/**
 * A greeter.v1 server built with @grpc/grpc-js from the .proto file at run
 * time (no code shared with ours) on 127.0.0.1, port 0. It names itself
 * `grpc-js-peer` in the x-server-instance header as our server does.
 */
export async function startGrpcJsGreeter(answer: (call: number, name: string) => PeerAnswer): Promise<GrpcJsGreeter> {
  const definition = loadSync('greeter/v1/greeter.proto', { includeDirs: [PROTO_ROOT], defaults: true });
  const greeterV1 = grpc.loadPackageDefinition(definition)['greeter'] as grpc.GrpcObject;
  const service = ((greeterV1['v1'] as grpc.GrpcObject)['GreeterService'] as grpc.ServiceClientConstructor).service;

  let calls = 0;
  const server = new grpc.Server();
  server.addService(service, {
    sayHello(
      call: grpc.ServerUnaryCall<{ name: string }, { message: string }>,
      callback: grpc.sendUnaryData<{ message: string }>,
    ) {
      const header = new grpc.Metadata();
      header.set('x-server-instance', 'grpc-js-peer');
      call.sendMetadata(header);
      const reply = answer(calls++, call.request.name);
      if ('message' in reply) {
        callback(null, reply);
      } else {
        callback({ code: reply.code, details: reply.details });
      }
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  return { url: `http://127.0.0.1:${port}`, calls: () => calls, close: () => server.forceShutdown() };
}
