/**
 * Node's ceiling: a bare node:http2 server that reads each request and writes
 * one fixed, valid gRPC SayHello response (headers, message, grpc-status 0).
 * No decoding, routing or validation, so the gap to it is what a gRPC
 * library costs. Usage: raw-http2-server.ts <name the canned greeting is for>.
 */
import { createServer, type ServerHttp2Stream } from 'node:http2';
import type { Socket } from 'node:net';
import { announceListening, answerOkCountQueries } from './child-protocol.js';
import { sayHelloResponseFrame } from './grpc-frame.js';

const HOST = '127.0.0.1';
const response = sayHelloResponseFrame(process.argv[2] ?? 'bench');

let okResponses = 0;
function answer(stream: ServerHttp2Stream): void {
  if (stream.destroyed) {
    return;
  }
  stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
  stream.once('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
  stream.end(response);
  okResponses++;
}

const server = createServer();
// Without it, Nagle holds back the separate header/data/trailer writes.
server.on('connection', (socket: Socket) => socket.setNoDelay(true));
server.on('stream', (stream) => {
  // h2load resets the streams still in flight when its time is up: not a server fault.
  stream.on('error', () => undefined);
  stream.resume();
  stream.on('end', () => answer(stream));
});
server.listen(0, HOST, () => {
  const address = server.address();
  if (address === null || typeof address === 'string') {
    throw new Error('raw http2 server: no TCP address');
  }
  answerOkCountQueries(() => okResponses);
  announceListening(HOST, address.port);
});
