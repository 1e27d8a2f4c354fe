import { create } from '@bufbuild/protobuf';
import { type Any, anyPack } from '@bufbuild/protobuf/wkt';
import { ConnectError, type HandlerContext, type ServiceImpl } from '@connectrpc/connect';
import { sleep } from '@protomesh/runtime';
import {
  type ConformancePayload_RequestInfo,
  ConformancePayload_RequestInfoSchema,
  type ConformanceService,
  type Error as ConformanceError,
  type Header,
  HeaderSchema,
  ServerStreamRequestSchema,
  UnaryRequestSchema,
} from './gen/connectrpc/conformance/v1/service_pb.js';

/**
 * The server side of connectrpc.conformance.v1.ConformanceService for unary and
 * server-streaming calls: each request describes the response it wants
 * (headers, trailers, payloads or an error, a delay), and every response
 * describes the request as the server saw it (headers, deadline, the request
 * itself as an Any), which is what the runner checks. ClientStream,
 * BidiStream, IdempotentUnary and Unimplemented are left out, so Connect
 * answers them UNIMPLEMENTED.
 */
export const conformanceService: Partial<ServiceImpl<typeof ConformanceService>> = {
  async unary(request, context) {
    const definition = request.responseDefinition;
    appendHeaders(context.responseHeader, definition?.responseHeaders);
    appendHeaders(context.responseTrailer, definition?.responseTrailers);
    const info = requestInfo(context, [anyPack(UnaryRequestSchema, request)]);
    if (definition?.response.case === 'error') {
      // A unary error carries the request info as an extra detail.
      throw toConnectError(definition.response.value, [info]);
    }
    await delay(definition?.responseDelayMs ?? 0, context.signal);
    return {
      payload: {
        requestInfo: info,
        data: definition?.response.case === 'responseData' ? definition.response.value : new Uint8Array(0),
      },
    };
  },

  async *serverStream(request, context) {
    const definition = request.responseDefinition;
    appendHeaders(context.responseHeader, definition?.responseHeaders);
    appendHeaders(context.responseTrailer, definition?.responseTrailers);
    const info = requestInfo(context, [anyPack(ServerStreamRequestSchema, request)]);
    const data = definition?.responseData ?? [];
    for (const [index, chunk] of data.entries()) {
      await delay(definition?.responseDelayMs ?? 0, context.signal);
      // Only the first response describes the request: nothing in it changes later.
      yield { payload: { requestInfo: index === 0 ? info : undefined, data: chunk } };
    }
    if (definition?.error !== undefined) {
      // Without any response, the error is the only place left for the request info.
      throw toConnectError(definition.error, data.length === 0 ? [info] : []);
    }
  },
};

function requestInfo(context: HandlerContext, requests: Any[]): ConformancePayload_RequestInfo {
  const timeoutMs = context.timeoutMs();
  return create(ConformancePayload_RequestInfoSchema, {
    requestHeaders: toProtoHeaders(context.requestHeader),
    timeoutMs: timeoutMs === undefined ? undefined : BigInt(timeoutMs),
    requests,
  });
}

/** Repeated values arrive joined with ", ", which the runner splits again. */
function toProtoHeaders(headers: Headers): Header[] {
  const result: Header[] = [];
  headers.forEach((value, name) => result.push(create(HeaderSchema, { name, value: [value] })));
  return result;
}

function appendHeaders(target: Headers, headers: readonly Header[] | undefined): void {
  for (const { name, value } of headers ?? []) {
    for (const item of value) {
      target.append(name, item);
    }
  }
}

/**
 * The requested error as a ConnectError, which the gRPC protocol sends as
 * grpc-status, grpc-message and, with details, grpc-status-details-bin (a
 * google.rpc.Status). Details are already packed as Any and pass through as
 * they are, whatever their type.
 */
function toConnectError(error: ConformanceError, extra: ConformancePayload_RequestInfo[]): ConnectError {
  const connectError = new ConnectError(error.message ?? '', error.code as number);
  connectError.details.push(
    ...error.details.map((any) => ({ type: any.typeUrl.slice(any.typeUrl.lastIndexOf('/') + 1), value: any.value })),
    ...extra.map((info) => ({ desc: ConformancePayload_RequestInfoSchema, value: info })),
  );
  return connectError;
}

/**
 * The requested delay, cut short when the call ends (its deadline passes or
 * the client cancels): a server must not keep working for a caller that left.
 */
async function delay(ms: number, signal: AbortSignal): Promise<void> {
  if (ms > 0) {
    await sleep(ms, signal).catch((reason: unknown) => {
      throw ConnectError.from(reason);
    });
  }
}
