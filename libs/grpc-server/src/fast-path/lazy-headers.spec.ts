import type { IncomingHttpHeaders } from 'node:http2';
import { inspect } from 'node:util';
import { RequestHeaders, ResponseHeaders, toNodeHeaders } from './lazy-headers.js';

// RequestHeaders must be a drop-in for what connect-node builds from the same
// Node header object (nodeHeaderToWebHeader), so every case compares the two.

/** connect-node's nodeHeaderToWebHeader, the reference. */
function eager(raw: IncomingHttpHeaders): Headers {
  const header = new Headers();
  for (const [k, v] of Object.entries(raw)) {
    if (k.startsWith(':') || v === undefined) {
      continue;
    }
    if (typeof v === 'string') {
      header.append(k, v);
    } else if (typeof v === 'number') {
      header.append(k, String(v));
    } else {
      for (const e of v) {
        header.append(k, e);
      }
    }
  }
  return header;
}

const raw = (): IncomingHttpHeaders =>
  Object.assign(Object.create(null) as IncomingHttpHeaders, {
    ':method': 'POST',
    ':path': '/greeter.v1.GreeterService/SayHello',
    ':authority': '127.0.0.1:8080',
    'content-type': 'application/grpc',
    te: 'trailers',
    'x-request-id': 'abc-123',
    'x-custom-bin': 'AAEC',
    cookie: 'a=1; b=2',
    'set-cookie': ['one=1', 'two=2'],
    'x-joined': 'first, second',
  });

/** The outcome of `fn`, or the error it threw, comparable with toEqual. */
function outcome<T>(fn: () => T): { value: T } | { error: string } {
  try {
    return { value: fn() };
  } catch (err) {
    return { error: `${(err as Error).name}: ${(err as Error).message}` };
  }
}

describe('RequestHeaders', () => {
  it('is a Headers', () => {
    const headers = new RequestHeaders(raw());
    expect(headers).toBeInstanceOf(Headers);
    expect(Object.prototype.toString.call(headers)).toBe('[object Headers]');
  });

  it.each([
    'x-request-id',
    'X-Request-Id',
    'content-type',
    'te',
    'missing',
    'x-custom-bin',
    'cookie',
    'set-cookie',
    'x-joined',
    ':path',
    'bad name',
    '',
    'ünicode',
  ])('get(%j) answers as Headers does, before and after materialising', (name) => {
    const reference = eager(raw());
    const lazy = new RequestHeaders(raw());
    expect(outcome(() => lazy.get(name))).toEqual(outcome(() => reference.get(name)));
    expect(outcome(() => lazy.has(name))).toEqual(outcome(() => reference.has(name)));
    lazy.forEach(() => undefined);
    expect(outcome(() => lazy.get(name))).toEqual(outcome(() => reference.get(name)));
  });

  it('iterates, copies and inspects as the eager Headers', () => {
    const reference = eager(raw());
    expect([...new RequestHeaders(raw())]).toEqual([...reference]);
    expect([...new RequestHeaders(raw()).entries()]).toEqual([...reference.entries()]);
    expect([...new RequestHeaders(raw()).keys()]).toEqual([...reference.keys()]);
    expect([...new RequestHeaders(raw()).values()]).toEqual([...reference.values()]);
    expect([...new Headers(new RequestHeaders(raw()))]).toEqual([...reference]);
    expect(new RequestHeaders(raw()).getSetCookie()).toEqual(reference.getSetCookie());
    expect(inspect(new RequestHeaders(raw()))).toBe(inspect(reference));
    const seen: [string, string][] = [];
    new RequestHeaders(raw()).forEach((value, key) => seen.push([key, value]));
    expect(seen).toEqual([...reference]);
  });

  it('takes changes like Headers', () => {
    const reference = eager(raw());
    const lazy = new RequestHeaders(raw());
    for (const headers of [reference, lazy]) {
      headers.set('x-request-id', 'replaced');
      headers.append('x-new', 'added');
      headers.delete('te');
    }
    expect([...lazy]).toEqual([...reference]);
    expect(lazy.get('x-request-id')).toBe('replaced');
    expect(lazy.get('te')).toBeNull();
  });
});

describe('ResponseHeaders', () => {
  it('holds its preset, untouched until used', () => {
    const headers = new ResponseHeaders([['content-type', 'application/grpc+proto']]);
    expect(headers.untouched).toBe(true);
    expect(headers.get('content-type')).toBe('application/grpc+proto');
    expect(headers.untouched).toBe(false);
    expect([...headers]).toEqual([['content-type', 'application/grpc+proto']]);
  });

  it('can be changed like any Headers', () => {
    const headers = new ResponseHeaders([['grpc-status', '0']]);
    headers.set('grpc-status', '5');
    headers.append('x-extra', 'one');
    expect([...headers]).toEqual([
      ['grpc-status', '5'],
      ['x-extra', 'one'],
    ]);
  });
});

describe('toNodeHeaders', () => {
  it('puts the base first, lets the call replace it and keeps repeated set-cookie apart', () => {
    const headers = new Headers();
    headers.set('x-server-version', 'from the handler');
    headers.append('set-cookie', 'a=1');
    headers.append('set-cookie', 'b=2');
    headers.append('x-list', 'one');
    headers.append('x-list', 'two');
    expect(toNodeHeaders(headers, { ':status': 200, 'x-server-version': 'base', 'x-server-instance': 'pod' })).toEqual({
      ':status': 200,
      'x-server-instance': 'pod',
      'x-server-version': 'from the handler',
      'set-cookie': ['a=1', 'b=2'],
      'x-list': 'one, two',
    });
  });
});
