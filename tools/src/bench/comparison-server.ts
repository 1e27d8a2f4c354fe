/**
 * The comparison servers, on 127.0.0.1 and a free port, by KIND: `grpc-js`
 * (library defaults, greeter.proto loaded by proto-loader) or `raw` (bare
 * node:http2 answering every stream with the canned RESPONSE, base64: Node's
 * ceiling). They print the protomesh server's start line, and their count of
 * OK responses on SIGUSR2.
 */
import { Server, ServerCredentials, type ServiceDefinition, type handleUnaryCall } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { createServer } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';

let ok = 0;
const log = (fields: object) => process.stdout.write(`${JSON.stringify({ level: 'info', ...fields })}\n`);
const listening = (port: number) => log({ msg: 'greeter server listening', address: `127.0.0.1:${port}` });
process.on('SIGUSR2', () => log({ msg: 'ok count', count: ok }));

if (process.env['KIND'] === 'raw') {
  const response = Buffer.from(process.env['RESPONSE'] ?? '', 'base64');
  const server = createServer();
  server.on('connection', (socket: { setNoDelay(): void }) => socket.setNoDelay()); // no Nagle between the writes
  server.on('stream', (stream) => {
    stream.on('error', () => undefined); // h2load resets the streams in flight when its time is up
    stream.resume().on('end', () => {
      if (!stream.destroyed) {
        stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
        stream.once('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
        stream.end(response);
        ok++;
      }
    });
  });
  server.listen(0, '127.0.0.1', () => listening((server.address() as AddressInfo).port));
} else {
  const proto = loadSync(resolve(__dirname, '../../../proto/greeter/v1/greeter.proto'));
  const sayHello: handleUnaryCall<{ name: string }, { message: string }> = (call, callback) => {
    ok++;
    callback(null, { message: `Hello, ${call.request.name}!` });
  };
  const server = new Server();
  server.addService(proto['greeter.v1.GreeterService'] as ServiceDefinition, { SayHello: sayHello });
  server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, port) => {
    if (err) {
      throw err;
    }
    listening(port);
  });
}
