import { Code, ConnectError } from '@connectrpc/connect';
import { watchStream } from './watch-stream.js';

async function* numbers(failAfter?: number) {
  for (let i = 1; i <= 3; i++) {
    if (i === failAfter) {
      throw new Error(`failed at ${i}`);
    }
    yield i;
  }
}

describe('watchStream', () => {
  it('passes every item through and reports the end once', async () => {
    const ends: unknown[] = [];
    const items: number[] = [];
    for await (const item of watchStream(numbers(), (thrown) => ends.push(thrown))) {
      items.push(item);
    }
    expect(items).toEqual([1, 2, 3]);
    expect(ends).toEqual([undefined]);
  });

  it('reports a failure and throws what the watcher returns in its place', async () => {
    const mapped = new ConnectError('internal error', Code.Unknown);
    const ends: unknown[] = [];
    const read = async () => {
      for await (const item of watchStream(numbers(2), (thrown) => (ends.push(thrown), mapped))) {
        expect(item).toBe(1);
      }
    };
    await expect(read()).rejects.toBe(mapped);
    expect(ends).toEqual([new Error('failed at 2')]);
  });

  it('reports a reader that stops early as CANCELLED', async () => {
    const ends: unknown[] = [];
    for await (const item of watchStream(numbers(), (thrown) => ends.push(thrown))) {
      expect(item).toBe(1);
      break;
    }
    expect(ends).toHaveLength(1);
    expect(ends[0]).toMatchObject({ code: Code.Canceled });
  });

  it('runs each step of the source through wrapStep', async () => {
    let steps = 0;
    const wrapStep = <R>(step: () => R): R => {
      steps++;
      return step();
    };
    for await (const item of watchStream(numbers(), () => undefined, wrapStep)) {
      expect(item).toBeGreaterThan(0);
    }
    expect(steps).toBe(4);
  });
});
