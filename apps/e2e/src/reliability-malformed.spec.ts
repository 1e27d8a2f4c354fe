import { status as Status } from '@grpc/grpc-js';
import { gzipSync } from 'node:zlib';
import {
  describeEnding,
  type Ending,
  type Exchange,
  grpcCodeOfReset,
  grpcFrame,
  GrpcJsClient,
  type H2ErrorName,
  H2Wire,
  http2Exchange,
  killAll,
  sayHelloMessage,
} from '@protomesh/testing';
import { expectServing, MiB, mib, type ObservedServer, PATHS, report, startOnPath } from './support/reliability-paths';

/**
 * Malformed input: a corpus of requests no gRPC library would send, written
 * with raw node:http2 (or raw bytes), against both server paths. Each case
 * asserts the answer the gRPC spec gives — grpc/grpc doc/statuscodes.md and
 * doc/PROTOCOL-HTTP2.md — or, where Connect (whose conformance suite both
 * paths pass) chose otherwise than grpc-go, the answer we give, with the line
 * it follows; then an ordinary call on a fresh connection and one on a
 * connection opened before the corpus must still succeed. Both paths must
 * give the same answer, message included, and the server's memory must stay
 * bounded across the corpus.
 */

jest.setTimeout(30_000);

const SUITE = 'malformed input';
const hello = sayHelloMessage('x');
const READ_MAX = 4 * MiB;

/** A SayHelloRequest of exactly `total` bytes: name "x", then an unknown bytes field (15) of zeros. */
function messageOfSize(total: number): Uint8Array {
  for (let lengthBytes = 1; lengthBytes <= 5; lengthBytes++) {
    const fill = total - hello.byteLength - 1 - lengthBytes;
    const length = varint(fill);
    if (length.byteLength === lengthBytes) {
      return Buffer.concat([hello, Buffer.of((15 << 3) | 2), length, Buffer.alloc(fill)]);
    }
  }
  throw new Error(`no message of ${total} bytes`);
}

function varint(value: number): Buffer {
  const bytes: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    bytes.push((rest & 0x7f) | 0x80);
    rest = Math.floor(rest / 128);
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}

const headers = (count: number, size: number) =>
  Object.fromEntries(Array.from({ length: count }, (_, i) => [`x-custom-${i}`, 'b'.repeat(size)]));

/** A gzip member that inflates to 16 MiB of zeros: about 16 KiB. */
const GZIP_16_MIB = gzipSync(Buffer.alloc(16 * MiB), { level: 9 });

type Send = { readonly exchange: Exchange } | { readonly bytes: Buffer };

interface Case {
  readonly name: string;
  readonly send: Send;
  /** The answer, as describeEnding writes it. */
  readonly expected: string;
  /** Further checks of the answer. */
  readonly check?: (ending: Ending) => void;
}

const http = (status: number) => `HTTP ${status}`;
const grpc = (code: Status) => `grpc-status ${code}`;
const reset = (code: H2ErrorName) => `RST_STREAM ${code}`;
const goaway = (code: H2ErrorName) => `GOAWAY ${code}`;
const body = (payload: Uint8Array, extra: Exchange = {}): Send => ({ exchange: { body: payload, ...extra } });
const withHeaders = (h: Exchange['headers'], payload: Uint8Array = grpcFrame(hello)): Send =>
  body(payload, { headers: h });
/** A message with the compressed flag set, under `grpc-encoding` (none when undefined). */
const compressed = (encoding: string | undefined, payload: Uint8Array): Send =>
  withHeaders({ 'grpc-encoding': encoding }, grpcFrame(payload, 1));

const CASES: readonly Case[] = [
  // PROTOCOL-HTTP2: "If Content-Type does not begin with "application/grpc", gRPC servers SHOULD respond with HTTP status of 415".
  { name: 'content-type text/plain', send: withHeaders({ 'content-type': 'text/plain' }), expected: http(415) },
  { name: 'no content-type', send: withHeaders({ 'content-type': undefined }), expected: http(415) },
  // Connect protocol and gRPC-Web are off on this server: not gRPC, 415 as above.
  {
    name: 'content-type application/json',
    send: withHeaders({ 'content-type': 'application/json' }),
    expected: http(415),
  },
  // A codec the server does not have: Connect answers 415, as for any type it cannot serve.
  {
    name: 'content-type application/grpc+xml (unknown codec)',
    send: withHeaders({ 'content-type': 'application/grpc+xml' }),
    expected: http(415),
  },
  // PROTOCOL-HTTP2: Method → ":method POST". Connect answers 405 Method Not Allowed
  // (grpc-go resets the stream with PROTOCOL_ERROR); a gRPC client reads 405 as UNKNOWN.
  { name: 'GET instead of POST', send: { exchange: { headers: { ':method': 'GET' } } }, expected: http(405) },
  { name: 'PUT instead of POST', send: withHeaders({ ':method': 'PUT' }), expected: http(405) },
  // PROTOCOL-HTTP2: TE → "te" "trailers" "used to detect incompatible proxies": clients
  // must send it; neither grpc-go nor Connect refuses a call without it, nor do we.
  { name: 'no te: trailers', send: withHeaders({ te: undefined }), expected: grpc(Status.OK) },
  // statuscodes.md: "Method not found at server | UNIMPLEMENTED".
  {
    name: 'unknown service',
    send: body(grpcFrame(hello), { path: '/no.such.v1.Service/Method' }),
    expected: grpc(Status.UNIMPLEMENTED),
  },
  {
    name: 'unknown method',
    send: body(grpcFrame(hello), { path: '/greeter.v1.GreeterService/SayGoodbye' }),
    expected: grpc(Status.UNIMPLEMENTED),
  },
  // RFC 9113 §8.3.1: a :path not starting with "/" is malformed; nghttp2 resets the stream (a gRPC client reads INTERNAL).
  {
    name: ':path without its leading slash',
    send: body(grpcFrame(hello), { path: 'greeter.v1.GreeterService/SayHello' }),
    expected: reset('PROTOCOL_ERROR'),
  },
  // A cut-off envelope: Connect answers INVALID_ARGUMENT "protocol error: incomplete envelope"
  // (grpc-go INTERNAL, reading it as an unexpected EOF; statuscodes.md has no line for it).
  {
    name: 'length prefix cut short (3 bytes)',
    send: body(Buffer.of(0, 0, 0)),
    expected: grpc(Status.INVALID_ARGUMENT),
  },
  {
    name: 'length prefix longer than the body',
    send: body(grpcFrame(hello, 0, hello.byteLength + 10)),
    expected: grpc(Status.INVALID_ARGUMENT),
  },
  {
    name: 'bytes after the one message',
    send: body(Buffer.concat([grpcFrame(hello), Buffer.of(1, 2)])),
    expected: grpc(Status.INVALID_ARGUMENT),
  },
  // statuscodes.md: "Request cardinality violation (method requires exactly one request but client sent some other number) | UNIMPLEMENTED".
  { name: 'no message on a unary call', send: body(new Uint8Array()), expected: grpc(Status.UNIMPLEMENTED) },
  {
    name: 'two messages on a unary call',
    send: body(Buffer.concat([grpcFrame(hello), grpcFrame(hello)])),
    expected: grpc(Status.UNIMPLEMENTED),
  },
  // PROTOCOL-HTTP2: "If the Message-Encoding header is omitted then the Compressed-Flag must be 0";
  // Connect (and its conformance suite) answer INTERNAL.
  {
    name: 'compressed flag without grpc-encoding',
    send: compressed(undefined, gzipSync(hello)),
    expected: grpc(Status.INTERNAL),
  },
  {
    name: 'compressed flag with grpc-encoding identity',
    send: compressed('identity', hello),
    expected: grpc(Status.INTERNAL),
  },
  // statuscodes.md: "Compression mechanism used by client not supported at server | UNIMPLEMENTED";
  // the answer names what is supported (grpc-accept-encoding).
  {
    name: 'unknown grpc-encoding',
    send: compressed('snappy', hello),
    expected: grpc(Status.UNIMPLEMENTED),
    check: (ending) => expect(responseOf(ending).headers['grpc-accept-encoding']).toBe('gzip,br'),
  },
  // statuscodes.md says INTERNAL ("Could not decompress, but compression algorithm supported");
  // Connect answers INVALID_ARGUMENT "decompression failed" (connect-go alike); both paths keep Connect's.
  {
    name: 'grpc-encoding gzip, body not gzip',
    send: compressed('gzip', hello),
    expected: grpc(Status.INVALID_ARGUMENT),
  },
  // statuscodes.md: "Sent or received message was larger than configured limit | RESOURCE_EXHAUSTED",
  // checked on the inflated size, inflating no further than the limit.
  {
    name: 'gzip bomb: 16 KiB inflating to 16 MiB',
    send: compressed('gzip', GZIP_16_MIB),
    expected: grpc(Status.RESOURCE_EXHAUSTED),
  },
  {
    name: 'gzip bomb: 1 MiB inflating to 1 GiB (64 gzip members)',
    send: compressed('gzip', Buffer.concat(Array(64).fill(GZIP_16_MIB))),
    expected: grpc(Status.RESOURCE_EXHAUSTED),
  },
  // The length prefix is checked before any payload is read or allocated.
  {
    name: '4 GiB length prefix',
    send: body(grpcFrame(hello, 0, 0xffff_ffff)),
    expected: grpc(Status.RESOURCE_EXHAUSTED),
  },
  {
    name: 'message of 4 MiB + 1',
    send: body(grpcFrame(messageOfSize(READ_MAX + 1))),
    expected: grpc(Status.RESOURCE_EXHAUSTED),
  },
  // The limit itself is allowed (as grpc-go's 4 MiB default).
  { name: 'message of exactly 4 MiB', send: body(grpcFrame(messageOfSize(READ_MAX))), expected: grpc(Status.OK) },
  // statuscodes.md: "Error parsing request proto | INTERNAL".
  {
    name: 'protobuf garbage',
    send: body(grpcFrame(Buffer.of(0xff, 0xff, 0xff, 0xff))),
    expected: grpc(Status.INTERNAL),
  },
  {
    name: 'protobuf field number 0',
    send: body(grpcFrame(Buffer.of(0x02, 0x01, 0x61))),
    expected: grpc(Status.INTERNAL),
  },
  // proto3 strings must be UTF-8; protobuf-es checks it when parsing, as protobuf-go does.
  {
    name: 'string field with invalid UTF-8',
    send: body(grpcFrame(Buffer.of(0x0a, 0x02, 0xc3, 0x28))),
    expected: grpc(Status.INTERNAL),
  },
  // Unknown fields are kept or skipped, never an error (proto3).
  {
    name: 'unknown fields',
    send: body(grpcFrame(Buffer.concat([hello, Buffer.of(0x78, 0x01), Buffer.of(0xa2, 0x06, 0x01, 0x7a)]))),
    expected: grpc(Status.OK),
  },
  // Only bit 0 of the flags byte is gRPC's; Connect ignores the others (grpc-go answers INTERNAL).
  { name: 'reserved bit in the flags byte', send: body(grpcFrame(hello, 0x02)), expected: grpc(Status.OK) },
  // PROTOCOL-HTTP2: TimeoutValue → "positive integer as ASCII string of at most 8 digits", and a unit.
  // Connect answers INVALID_ARGUMENT "protocol error: invalid grpc timeout value" (grpc-go INTERNAL);
  // a deadline over our MAX_DEADLINE (5 m) is INVALID_ARGUMENT too (README, "Server").
  ...[
    ['malformed', 'soon'],
    ['negative', '-5S'],
    ['of 9 digits', '123456789m'],
    ['with an unknown unit', '10x'],
    ['over MAX_DEADLINE', '99999999H'],
  ].map(([what, value]) => ({
    name: `grpc-timeout ${what}`,
    send: withHeaders({ 'grpc-timeout': value }),
    expected: grpc(Status.INVALID_ARGUMENT),
  })),
  // PROTOCOL-HTTP2: "Servers may limit the size of Request-Headers". Node keeps at most 128 header
  // fields (maxHeaderListPairs) and resets a stream with more: ENHANCE_YOUR_CALM, which a gRPC
  // client reads as RESOURCE_EXHAUSTED. 100 custom headers pass.
  { name: '100 custom headers', send: withHeaders(headers(100, 8)), expected: grpc(Status.OK) },
  { name: '300 custom headers', send: withHeaders(headers(300, 8)), expected: reset('ENHANCE_YOUR_CALM') },
  // A header block longer than nghttp2 accepts (HEADERS + at most 8 CONTINUATION frames, the
  // CVE-2024-27316 bound): a connection error, GOAWAY, so a gRPC client reads UNAVAILABLE.
  { name: 'header block of 300 KB', send: withHeaders(headers(30, 10_000)), expected: goaway('INTERNAL_ERROR') },
  // One field longer than nghttp2's HPACK decoder takes: COMPRESSION_ERROR, a connection error.
  {
    name: 'one header of 256 KiB',
    send: withHeaders({ 'x-big': 'a'.repeat(256 * 1024) }),
    expected: goaway('COMPRESSION_ERROR'),
  },
  // PROTOCOL-HTTP2: Binary-Header is base64. Connect decodes -bin metadata only when it is read,
  // and nothing here reads it: accepted (grpc-go answers INTERNAL "malformed binary metadata").
  {
    name: '-bin header that is not base64',
    send: withHeaders({ 'x-trace-bin': '!!not base64!!' }),
    expected: grpc(Status.OK),
  },
  // RFC 9113 §3.4: a connection must start with the client preface, or it is a connection error.
  // Node sends its SETTINGS, then GOAWAY INTERNAL_ERROR (not the PROTOCOL_ERROR §3.4 names), and closes.
  {
    name: 'HTTP/1.1 request on the h2c port',
    send: {
      bytes: Buffer.from('POST /greeter.v1.GreeterService/SayHello HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n'),
    },
    expected: goaway('INTERNAL_ERROR'),
  },
  {
    name: 'HTTP/1.1 Upgrade: h2c',
    send: {
      bytes: Buffer.from(
        'GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n',
      ),
    },
    expected: goaway('INTERNAL_ERROR'),
  },
  {
    name: 'client preface of garbage',
    send: { bytes: Buffer.from('PRI * HTTP/9.9\r\n\r\nXX\r\n\r\n') },
    expected: goaway('INTERNAL_ERROR'),
  },
];

function responseOf(ending: Ending) {
  if (ending.kind !== 'response') {
    throw new Error(`expected a response, got ${describeEnding(ending)}`);
  }
  return ending.response;
}

/** Raw bytes on a new TCP connection: how the server ends it (GOAWAY and close), within 3 s. */
async function sendBytes(port: number, bytes: Buffer): Promise<Ending> {
  const wire = await H2Wire.connect(port, { preface: false });
  wire.write(bytes);
  try {
    await wire.closedWithin(3_000);
  } catch {
    wire.destroy();
    return { kind: 'no answer', reason: 'connection left open' };
  }
  const first = wire.goaway;
  return first ? { kind: 'goaway', code: first.errorCode } : { kind: 'no answer', reason: 'closed without GOAWAY' };
}

function send(server: ObservedServer, what: Send): Promise<Ending> {
  return 'bytes' in what ? sendBytes(server.port, what.bytes) : http2Exchange(server.url, what.exchange);
}

/** What a gRPC client makes of an answer (PROTOCOL-HTTP2 "Errors", http-grpc-status-mapping.md). */
function clientCode(ending: Ending): string {
  switch (ending.kind) {
    case 'response': {
      const { status, grpcStatus } = ending.response;
      if (status !== 200) {
        return status === 404 ? 'UNIMPLEMENTED' : 'UNKNOWN';
      }
      return Status[grpcStatus ?? Status.UNKNOWN];
    }
    case 'reset':
      return Status[grpcCodeOfReset(ending.code)];
    case 'goaway':
      // The stream was not processed (PROTOCOL-HTTP2, "GOAWAY Frame").
      return 'UNAVAILABLE';
    case 'no answer':
      return 'DEADLINE_EXCEEDED';
  }
}

/** Each case's answer, message included, per path: both must match. */
const answers = new Map<string, Map<string, string>>();
const clientCodes = new Map<string, string>();

describe.each(PATHS)('malformed input, $name', (path) => {
  let server: ObservedServer;
  let client: GrpcJsClient;
  let rssBefore: number;

  beforeAll(async () => {
    server = await startOnPath(path);
    // Opened before the corpus: the connection of a well-behaved caller must outlive it.
    client = new GrpcJsClient(`127.0.0.1:${server.port}`);
    expect((await client.sayHello('before', 5_000)).code).toBe(Status.OK);
    rssBefore = server.rss();
  });

  afterAll(async () => {
    client?.close();
    await killAll();
  });

  it.each(CASES)('$name: $expected, then still serving', async ({ name, send: what, expected, check }) => {
    const rssAtStart = server.rss();
    const started = performance.now();
    const ending = await send(server, what);
    const elapsedMs = performance.now() - started;
    const message = ending.kind === 'response' ? (ending.response.grpcMessage ?? '') : '';
    answers.set(name, (answers.get(name) ?? new Map()).set(path.name, `${describeEnding(ending)} ${message}`.trim()));
    clientCodes.set(name, clientCode(ending));

    expect(describeEnding(ending)).toBe(expected);
    check?.(ending);
    // Whatever the case, it is answered at once (the bombs are not inflated to their end).
    expect(elapsedMs).toBeLessThan(3_000);
    expect(server.rss() - rssAtStart).toBeLessThan(64 * MiB);
    await expectServing(server.url);
    expect((await client.sayHello('same-connection', 5_000)).code).toBe(Status.OK);
  });

  it('keeps its memory bounded across the whole corpus', () => {
    const growth = server.rss() - rssBefore;
    report(SUITE, `${path.name}: RSS ${mib(rssBefore)} before the ${CASES.length} cases, growth ${mib(growth)}`);
    expect(growth).toBeLessThan(100 * MiB);
  });
});

describe('malformed input on both paths', () => {
  it('gets the same answer, message included, from the fast path and from connect-node', () => {
    const rows = CASES.map(({ name }) => {
      const byPath = answers.get(name);
      return { name, fast: byPath?.get(PATHS[0].name), slow: byPath?.get(PATHS[1].name) };
    });
    for (const { name, fast } of rows) {
      report(SUITE, `| ${name} | ${fast ?? 'not run'} | ${clientCodes.get(name) ?? ''} |`);
    }
    // Every case answered on both paths (a filtered run compares nothing and fails here).
    expect(rows.filter((row) => row.fast === undefined || row.slow === undefined)).toEqual([]);
    expect(rows.filter((row) => row.fast !== row.slow)).toEqual([]);
    expect(CASES.length).toBeGreaterThanOrEqual(30);
  });
});
