import * as http2 from 'node:http2';
import { Responder } from './respond.js';
import type { FastRoute, RouteTable } from './route-table.js';
import { UnaryCall } from './unary-call.js';

export interface FastPathOptions {
  /** The unary methods to serve directly. */
  readonly routes: RouteTable;
  /** Headers every response carries, as the slow path sets them with `res.setHeader`. */
  readonly serverHeaders: Readonly<Record<string, string>>;
}

type RequestListener = (request: http2.Http2ServerRequest, response: http2.Http2ServerResponse) => void;

/**
 * An HTTP/2 server that answers unary gRPC calls to the routes itself and
 * hands every other stream to `slowPath` (connect-node) untouched.
 *
 * Node builds its compatibility objects (request, response) for every stream
 * of a server that has a 'request' listener. So this server has none: it takes
 * 'stream' events, and passes the streams it declines to a second server that
 * never listens and owns the request listener, by emitting 'stream' on it,
 * which is all Node's own session does.
 */
export function createFastPathServer(
  options: http2.ServerOptions,
  fastPath: FastPathOptions,
  slowPath: RequestListener,
): http2.Http2Server {
  const server = http2.createServer(options);
  const compat = http2.createServer(options, slowPath);
  const responder = new Responder(fastPath.serverHeaders);
  const urls = new UrlCache();
  server.on('stream', (stream, headers, flags, rawHeaders) => {
    const route = fastRouteOf(fastPath.routes, headers);
    const url = route === undefined ? undefined : urls.of(headers);
    if (route === undefined || url === undefined) {
      compat.emit('stream', stream, headers, flags, rawHeaders);
      return;
    }
    try {
      new UnaryCall(route, stream, url, responder, headers);
    } catch {
      // A bug of ours must not take the process down with the 'stream' event.
      stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
    }
  });
  return server;
}

/**
 * The route for a stream the fast path takes: a POST with exactly the gRPC
 * protobuf content types to a unary method's exact path. Everything else
 * (other content types, query strings, `expect`, unknown paths) keeps
 * connect-node's answer, whatever it is.
 */
function fastRouteOf(routes: RouteTable, headers: http2.IncomingHttpHeaders): FastRoute | undefined {
  const contentType = headers['content-type'];
  if (
    headers[':method'] !== 'POST' ||
    (contentType !== 'application/grpc' && contentType !== 'application/grpc+proto') ||
    headers.expect !== undefined
  ) {
    return undefined;
  }
  const path = headers[':path'];
  return path === undefined ? undefined : routes.get(path);
}

/**
 * The request URL as connect-node builds it (`new URL(path, http://authority)`),
 * computed once per authority and path: URL parsing costs about a
 * microsecond. Undefined when Connect's construction would throw, so such a
 * request meets Connect's own handling.
 */
class UrlCache {
  private readonly byAuthority = new Map<string, Map<string, string>>();

  of(headers: http2.IncomingHttpHeaders): string | undefined {
    const authority = headers[':authority'] ?? headers.host;
    const path = headers[':path'];
    if (authority === undefined || path === undefined) {
      return undefined;
    }
    const paths = this.byAuthority.get(authority);
    const known = paths?.get(path);
    if (known !== undefined) {
      return known;
    }
    let url: string;
    try {
      // The fast path only runs on cleartext HTTP/2 (createServer).
      url = new URL(path, `http://${authority}`).toString();
    } catch {
      return undefined;
    }
    if (paths !== undefined) {
      paths.set(path, url);
    } else if (this.byAuthority.size < MAX_AUTHORITIES) {
      this.byAuthority.set(authority, new Map([[path, url]]));
    }
    return url;
  }
}

// Authorities are few (the names a pod is reached by); a client sending many
// distinct ones gets URLs computed per call rather than a growing cache.
const MAX_AUTHORITIES = 64;
