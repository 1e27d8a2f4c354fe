import type { ServerHttp2Stream } from 'node:http2';
import { OpenStreams } from './open-streams.js';

// The list only reads and writes its own symbol-keyed properties: plain objects stand in for streams.
const stream = (name: string) => ({ name }) as unknown as ServerHttp2Stream;
const names = (streams: OpenStreams) => [...streams].map((s) => (s as unknown as { name: string }).name);

describe('OpenStreams', () => {
  it('lists streams oldest first, with the time each opened', () => {
    const streams = new OpenStreams();
    const [a, b, c] = [stream('a'), stream('b'), stream('c')];
    streams.add(a, 1);
    streams.add(b, 2);
    streams.add(c, 3);
    expect(names(streams)).toEqual(['a', 'b', 'c']);
    expect([a, b, c].map((s) => streams.openedAt(s))).toEqual([1, 2, 3]);
  });

  it.each([
    ['the oldest', 'a', ['b', 'c', 'd']],
    ['one in the middle', 'b', ['a', 'c', 'd']],
    ['the newest', 'd', ['a', 'b', 'c']],
  ])('takes %s off and keeps the rest in order', (_where, gone, left) => {
    const streams = new OpenStreams();
    const byName = new Map(['a', 'b', 'c', 'd'].map((name) => [name, stream(name)]));
    byName.forEach((s, name) => streams.add(s, name.charCodeAt(0)));
    streams.delete(byName.get(gone)!);
    expect(names(streams)).toEqual(left);
    expect(streams.openedAt(byName.get(gone)!)).toBeUndefined();
    // Still a working list: the newest goes last.
    streams.add(stream('e'), 0);
    expect(names(streams)).toEqual([...left, 'e']);
  });

  it('ignores a second delete and a stream it never had', () => {
    const streams = new OpenStreams();
    const [a, b] = [stream('a'), stream('b')];
    streams.add(a, 1);
    streams.add(b, 2);
    streams.delete(a);
    streams.delete(a);
    streams.delete(stream('x'));
    expect(names(streams)).toEqual(['b']);
  });

  it('empties and fills again', () => {
    const streams = new OpenStreams();
    const a = stream('a');
    streams.add(a, 1);
    streams.delete(a);
    expect(names(streams)).toEqual([]);
    streams.add(a, 5);
    expect(names(streams)).toEqual(['a']);
    expect(streams.openedAt(a)).toBe(5);
  });

  it('lets the stream just visited be deleted during iteration', () => {
    const streams = new OpenStreams();
    const all = ['a', 'b', 'c'].map(stream);
    all.forEach((s, i) => streams.add(s, i));
    const visited: string[] = [];
    for (const s of streams) {
      visited.push((s as unknown as { name: string }).name);
      streams.delete(s);
    }
    expect(visited).toEqual(['a', 'b', 'c']);
    expect(names(streams)).toEqual([]);
  });
});
