import { setTimeout as sleep } from 'node:timers/promises';
import {
  grpcFrame,
  killAll,
  observableResponse,
  type RawResponse,
  rawGrpcRequest,
  sayHelloMessage,
  type StartedServer,
  startServer,
} from '@protomesh/testing';

// Starting bundles on a busy machine can outlast Jest's 5 s default; each wait has its own bound.
jest.setTimeout(30_000);

const SAY_HELLO = { body: grpcFrame(sayHelloMessage('wire')) };

function dateOf(response: RawResponse): number {
  return Date.parse(String(response.headers.date));
}

// The in-process wire comparison (libs/grpc-server) runs on the Node that runs
// Jest; this one runs the bundle on the Node the images ship, whose
// node:http2 takes the fast path's response headers as a raw array.
describe('the server bundle answers a call alike on both unary paths', () => {
  let fast: StartedServer;
  let slow: StartedServer;

  beforeAll(async () => {
    [fast, slow] = await Promise.all([
      startServer({ POD_NAME: 'wire-pod', SERVICE_VERSION: '1.2.3', UNARY_FAST_PATH: 'on' }),
      startServer({ POD_NAME: 'wire-pod', SERVICE_VERSION: '1.2.3', UNARY_FAST_PATH: 'off' }),
    ]);
  });

  afterAll(async () => {
    await killAll();
  });

  it('sends the same headers, trailers and message, with a current date', async () => {
    const from = Math.floor(Date.now() / 1000) * 1000;
    const viaFastPath = await Promise.all([1, 2, 3].map(() => rawGrpcRequest(fast.url, SAY_HELLO)));
    const viaConnect = await rawGrpcRequest(slow.url, SAY_HELLO);

    expect(observableResponse(viaConnect)).toMatchObject({
      status: 200,
      headers: { 'x-server-instance': 'wire-pod', 'x-server-version': '1.2.3' },
      trailers: { 'grpc-status': '0' },
    });
    for (const response of viaFastPath) {
      expect(observableResponse(response)).toEqual(observableResponse(viaConnect));
      expect(dateOf(response)).toBeGreaterThanOrEqual(from);
      expect(dateOf(response)).toBeLessThanOrEqual(Date.now());
    }
  });

  it('dates each response with the second it was sent in', async () => {
    const first = await rawGrpcRequest(fast.url, SAY_HELLO);
    await sleep(1_100);
    const second = await rawGrpcRequest(fast.url, SAY_HELLO);
    expect(dateOf(second)).toBeGreaterThan(dateOf(first));
  });
});
