import type { ConnectNodeAdapterOptions } from '@connectrpc/connect-node';

/**
 * Answers a request for a method this server does not have the way gRPC
 * servers do: HTTP 200 with a trailers-only UNIMPLEMENTED status, so every
 * gRPC client reports code 12 rather than guessing from an HTTP 404.
 */
export const unimplementedFallback: NonNullable<ConnectNodeAdapterOptions['fallback']> = (req, res) => {
  res.statusCode = 200;
  res.setHeader('content-type', 'application/grpc');
  res.setHeader('grpc-status', '12');
  res.setHeader('grpc-message', encodeURIComponent(`unknown method ${req.url ?? ''}`));
  res.end();
};
