import { create } from '@bufbuild/protobuf';
import { anyPack, anyUnpack } from '@bufbuild/protobuf/wkt';
import { Code, ConnectError, createClient, createRouterTransport } from '@connectrpc/connect';
import { Code as ConformanceCode } from './gen/connectrpc/conformance/v1/config_pb.js';
import { conformanceService } from './conformance-service.js';
import {
  ConformancePayload_RequestInfoSchema,
  ConformanceService,
  HeaderSchema,
  ServerStreamRequestSchema,
  UnaryRequestSchema,
} from './gen/connectrpc/conformance/v1/service_pb.js';

// The handlers alone, in process; the conformance suite checks them on the wire.
const client = createClient(
  ConformanceService,
  createRouterTransport((router) => router.service(ConformanceService, conformanceService)),
);

describe('ConformanceService handlers', () => {
  it('Unary echoes the request, its headers and deadline, and applies the requested headers and trailers', async () => {
    const request = create(UnaryRequestSchema, {
      requestData: new Uint8Array([1, 2]),
      responseDefinition: {
        response: { case: 'responseData', value: new Uint8Array([9]) },
        responseHeaders: [{ name: 'x-custom-header', value: ['a', 'b'] }],
        responseTrailers: [{ name: 'x-custom-trailer', value: ['c'] }],
      },
    });
    let headers: Headers | undefined;
    let trailers: Headers | undefined;
    const response = await client.unary(request, {
      headers: { 'x-conformance-test': 'v' },
      timeoutMs: 10_000,
      onHeader: (h) => (headers = h),
      onTrailer: (t) => (trailers = t),
    });
    expect(response.payload?.data).toEqual(new Uint8Array([9]));
    const info = response.payload?.requestInfo;
    expect(info?.requestHeaders).toContainEqual(create(HeaderSchema, { name: 'x-conformance-test', value: ['v'] }));
    expect(Number(info?.timeoutMs)).toBeGreaterThan(9_000);
    expect(info?.requests.map((any) => anyUnpack(any, UnaryRequestSchema))).toEqual([request]);
    expect(headers?.get('x-custom-header')).toBe('a, b');
    expect(trailers?.get('x-custom-trailer')).toBe('c');
  });

  it('Unary fails as asked, with the given details and the request info appended', async () => {
    const detail = anyPack(HeaderSchema, create(HeaderSchema, { name: 'detail' }));
    const error = await client
      .unary({
        responseDefinition: {
          response: {
            case: 'error',
            value: { code: ConformanceCode.RESOURCE_EXHAUSTED, message: 'too much', details: [detail] },
          },
        },
      })
      .then(
        () => undefined,
        (err: unknown) => ConnectError.from(err),
      );
    expect(error).toBeInstanceOf(ConnectError);
    expect(error).toMatchObject({ code: Code.ResourceExhausted, rawMessage: 'too much' });
    expect(error?.findDetails(HeaderSchema)).toEqual([create(HeaderSchema, { name: 'detail' })]);
    expect(error?.findDetails(ConformancePayload_RequestInfoSchema)).toHaveLength(1);
  });

  it('ServerStream sends the responses, the request info in the first only, then the error', async () => {
    const received: { data: number[]; withInfo: boolean }[] = [];
    const stream = client.serverStream(
      create(ServerStreamRequestSchema, {
        responseDefinition: {
          responseData: [new Uint8Array([1]), new Uint8Array([2])],
          responseDelayMs: 5,
          error: { code: ConformanceCode.INTERNAL, message: 'stream failed' },
        },
      }),
    );
    const error = await (async () => {
      for await (const response of stream) {
        received.push({
          data: [...(response.payload?.data ?? [])],
          withInfo: response.payload?.requestInfo !== undefined,
        });
      }
    })().catch((err: unknown) => ConnectError.from(err));
    expect(received).toEqual([
      { data: [1], withInfo: true },
      { data: [2], withInfo: false },
    ]);
    expect(error).toMatchObject({ code: Code.Internal, rawMessage: 'stream failed' });
    // Responses were sent, so the error does not repeat the request info.
    expect(error?.findDetails(ConformancePayload_RequestInfoSchema)).toEqual([]);
  });

  it('ServerStream cuts its delay short at the deadline', async () => {
    const started = Date.now();
    const stream = client.serverStream(
      { responseDefinition: { responseData: [new Uint8Array([1])], responseDelayMs: 5_000 } },
      { timeoutMs: 100 },
    );
    const received: unknown[] = [];
    const error = await (async () => {
      for await (const response of stream) {
        received.push(response);
      }
    })().catch((err: unknown) => ConnectError.from(err));
    expect(error).toMatchObject({ code: Code.DeadlineExceeded });
    expect(received).toEqual([]);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('answers the methods it does not implement UNIMPLEMENTED', async () => {
    const error = await client.unimplemented({}).catch((err: unknown) => ConnectError.from(err));
    expect(error).toMatchObject({ code: Code.Unimplemented });
  });
});
