/** Response headers a gRPC handler sets by itself; any other is metadata of the application's. */
const PROTOCOL_HEADERS: ReadonlySet<string> = new Set(['content-type', 'grpc-encoding', 'grpc-accept-encoding']);

/**
 * Whether response headers carry metadata of the application's. A call that
 * ends without a message is answered Trailers-Only (the status in the one
 * HEADERS frame, as grpc-go and grpc-java do) unless they do: a client must
 * then see that metadata as headers. Both server paths decide by this.
 */
export function hasApplicationMetadata(names: Iterable<string>): boolean {
  for (const name of names) {
    if (!PROTOCOL_HEADERS.has(name)) {
      return true;
    }
  }
  return false;
}
