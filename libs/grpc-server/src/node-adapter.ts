import { Code, ConnectError, createConnectRouter } from '@connectrpc/connect';
import type { UniversalServerResponse } from '@connectrpc/connect/protocol';
import {
  type ConnectNodeAdapterOptions,
  universalRequestFromNodeRequest,
  universalResponseToNodeResponse,
} from '@connectrpc/connect-node';
import { fullMethodName } from '@protomesh/grpc-core';
import type { Logger } from '@protomesh/runtime';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import { hasApplicationMetadata } from './trailers-only.js';

export type GrpcNodeAdapterOptions = ConnectNodeAdapterOptions & {
  /** Receives failures to write a response (the caller usually went away first). */
  logger: Logger;
};

/**
 * connectNodeAdapter from @connectrpc/connect-node, with one difference: a
 * call that fails before its first response message, without metadata of its
 * own, is answered Trailers-Only (gRPC over HTTP/2: one HEADERS frame with
 * END_STREAM carrying :status, content-type and grpc-status), as grpc-go and
 * grpc-java servers do. connect-node always sends the response headers first
 * and the trailers in a second frame a few event-loop turns later; a client
 * still uploading a large request (one over the receive limit) may end its
 * stream in between, and the HTTP/2 layer then resets the call with
 * PROTOCOL_ERROR (the request is shorter than its content-length) before the
 * status leaves: the client sees INTERNAL instead of RESOURCE_EXHAUSTED. With
 * Trailers-Only the status is the very first thing sent.
 *
 * A call whose handler set response headers keeps separate headers and
 * trailers, as in grpc-go: a client must see those as headers.
 */
export function grpcNodeAdapter(
  options: GrpcNodeAdapterOptions,
): (req: Http2ServerRequest, res: Http2ServerResponse) => void {
  const { logger, fallback, requestPathPrefix = '', contextValues } = options;
  const router = createConnectRouter(options);
  options.routes(router);
  const paths = new Map(router.handlers.map((handler) => [requestPathPrefix + handler.requestPath, handler]));
  return (req, res) => {
    const handler = paths.get(req.url.split('?', 2)[0]);
    if (handler === undefined) {
      if (fallback) {
        fallback(req, res);
      } else {
        res.writeHead(404);
        res.end();
      }
      return;
    }
    const universalRequest = universalRequestFromNodeRequest(req, res, undefined, contextValues?.(req));
    handler(universalRequest)
      .then((universalResponse) => writeResponse(universalResponse, res))
      .catch((reason: unknown) => {
        if (ConnectError.from(reason).code !== Code.Aborted) {
          const procedure = `/${fullMethodName(handler)}`;
          logger.warn({ procedure, err: reason }, 'response not written');
        }
      });
  };
}

/** universalResponseToNodeResponse, but Trailers-Only when there is no message and no metadata of the application's. */
async function writeResponse(response: UniversalServerResponse, res: Http2ServerResponse): Promise<void> {
  const { body, trailer } = response;
  if (body === undefined || body instanceof Uint8Array || trailer === undefined || response.status !== 200) {
    return universalResponseToNodeResponse(response, res);
  }
  const iterator = body[Symbol.asyncIterator]();
  const first = await iterator.next();
  const header = new Headers(response.header);
  const ownMetadata = hasApplicationMetadata(header.keys());
  if (first.done !== true || ownMetadata || res.headersSent) {
    return universalResponseToNodeResponse({ ...response, body: resumed(first, iterator) }, res);
  }
  for (const fields of [header, new Headers(trailer)]) {
    fields.forEach((value, name) => res.setHeader(name, value));
  }
  res.statusCode = response.status;
  // end() before any writeHead() sends the headers with END_STREAM: one frame.
  res.end();
}

/** `iterator` again, starting with the `first` result already taken from it. */
function resumed<T>(first: IteratorResult<T>, iterator: AsyncIterator<T>): AsyncIterable<T> {
  let pending: IteratorResult<T> | undefined = first;
  const resumedIterator: AsyncIterator<T> = {
    next() {
      const result = pending;
      pending = undefined;
      return result === undefined ? iterator.next() : Promise.resolve(result);
    },
    throw: (error?: unknown) => iterator.throw?.(error) ?? Promise.reject(error),
    return: (value?: unknown) =>
      iterator.return?.(value) ?? Promise.resolve({ done: true, value } as IteratorReturnResult<T>),
  };
  return { [Symbol.asyncIterator]: () => resumedIterator };
}
