import { status as Status } from '@grpc/grpc-js';
import {
  CLIENT_BUNDLE,
  callLines,
  type GrpcJsGreeter,
  killAll,
  type PeerAnswer,
  runToExit,
  startGrpcJsGreeter,
} from '@protomesh/testing';

// Starting bundles on a busy machine can outlast Jest's 5 s default; each wait has its own bound.
jest.setTimeout(30_000);

describe('client bundle calling an @grpc/grpc-js server', () => {
  let peer: GrpcJsGreeter | undefined;

  afterEach(async () => {
    peer?.close();
    peer = undefined;
    await killAll();
  });

  async function runAgainst(answer: (call: number, name: string) => PeerAnswer, env: Record<string, string>) {
    peer = await startGrpcJsGreeter(answer);
    return runToExit(CLIENT_BUNDLE, { SERVER_URL: peer.url, INTERVAL: '100ms', NAME: 'Ada', ...env }, 10_000);
  }

  it('greets through it and exits 0', async () => {
    const { exit, process } = await runAgainst((_, name) => ({ message: `Hi ${name}, from grpc-js` }), { COUNT: '2' });
    expect(exit.code).toBe(0);
    expect(callLines(process)).toEqual([
      expect.objectContaining({
        code: 'OK',
        attempts: 1,
        message: 'Hi Ada, from grpc-js',
        serverInstance: 'grpc-js-peer',
      }),
      expect.objectContaining({
        code: 'OK',
        attempts: 1,
        message: 'Hi Ada, from grpc-js',
        serverInstance: 'grpc-js-peer',
      }),
    ]);
    expect(peer?.calls()).toBe(2);
  });

  it('retries its UNAVAILABLE answers and reports the call OK on the third attempt', async () => {
    const answer = (call: number): PeerAnswer =>
      call < 2 ? { code: Status.UNAVAILABLE, details: 'warming up' } : { message: 'ready now' };
    const { exit, process } = await runAgainst(answer, { COUNT: '1' });
    expect(exit.code).toBe(0);
    expect(callLines(process)).toEqual([expect.objectContaining({ code: 'OK', attempts: 3, message: 'ready now' })]);
    expect(peer?.calls()).toBe(3);
  });

  it('does not retry INVALID_ARGUMENT and logs the peer’s message decoded', async () => {
    const answer = (): PeerAnswer => ({ code: Status.INVALID_ARGUMENT, details: 'name: not welcome, 100% sure' });
    const { exit, process } = await runAgainst(answer, { COUNT: '1' });
    expect(exit.code).toBe(1);
    expect(callLines(process)).toEqual([
      expect.objectContaining({ code: 'INVALID_ARGUMENT', attempts: 1, error: 'name: not welcome, 100% sure' }),
    ]);
    expect(peer?.calls()).toBe(1);
  });
});
