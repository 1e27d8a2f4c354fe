/**
 * Comparison server: @grpc/grpc-js with library defaults, serving SayHello
 * from the same .proto. Started by the benchmark as a child process; prints
 * its port and counts the OK responses it sends.
 */
import { Server, ServerCredentials, type ServiceDefinition, type handleUnaryCall } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { resolve } from 'node:path';
import { announceListening, answerOkCountQueries } from './child-protocol.js';
import { greeting } from './grpc-frame.js';

const HOST = '127.0.0.1';
const protoFile = resolve(__dirname, '../../../proto/greeter/v1/greeter.proto');
const service = loadSync(protoFile)['greeter.v1.GreeterService'] as ServiceDefinition;

let okResponses = 0;
const sayHello: handleUnaryCall<{ name: string }, { message: string }> = (call, callback) => {
  okResponses++;
  callback(null, { message: greeting(call.request.name) });
};

const server = new Server();
server.addService(service, { SayHello: sayHello });
server.bindAsync(`${HOST}:0`, ServerCredentials.createInsecure(), (err, port) => {
  if (err) {
    process.stderr.write(`grpc-js server: ${err.message}\n`);
    process.exit(1);
  }
  answerOkCountQueries(() => okResponses);
  announceListening(HOST, port);
});
