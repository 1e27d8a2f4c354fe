import { ConfigError } from '@protomesh/runtime';
import { HTTPVersion, Protocol } from './gen/connectrpc/conformance/v1/config_pb.js';
import type { ServerCompatRequest } from './gen/connectrpc/conformance/v1/server_compat_pb.js';

/**
 * This server speaks what the product server speaks: gRPC over HTTP/2
 * cleartext (a sidecar adds TLS). A request for anything else means the
 * runner's config (config.yaml) is wrong, and the server refuses to start
 * as for any setting it cannot use: one line, exit 2.
 */
export function checkServerCompatRequest(request: ServerCompatRequest): void {
  const problems: string[] = [];
  if (request.protocol !== Protocol.GRPC) {
    problems.push(`protocol ${Protocol[request.protocol]} (only GRPC)`);
  }
  if (request.httpVersion !== HTTPVersion.HTTP_VERSION_2) {
    problems.push(`HTTP version ${HTTPVersion[request.httpVersion]} (only HTTP_VERSION_2)`);
  }
  if (request.useTls) {
    problems.push('TLS (only cleartext h2c)');
  }
  if (problems.length > 0) {
    throw new ConfigError('ServerCompatRequest (config.yaml)', 'gRPC over HTTP/2 cleartext', problems.join(', '));
  }
}
