/**
 * `rpc.system.name`. Connect implements the protocol, but what goes over the
 * wire (and what Istio sees) is gRPC: our servers accept only the gRPC
 * protocol and our clients use the gRPC transport.
 */
export const RPC_SYSTEM_NAME = 'grpc';

/** The `rpc.method` value for a method outside the recognized set, as OpenTelemetry prescribes. */
export const OTHER_METHOD = '_OTHER';

/**
 * Keeps `rpc.method` bounded. Connect hands interceptors only methods from
 * compiled descriptors, yet nothing stops a process from creating clients or
 * services at run time; the first `limit` distinct methods keep their names
 * and any later one is reported as `_OTHER`, so the number of series cannot
 * grow without bound.
 */
export class MethodLabels {
  private readonly known = new Set<string>();

  /** @param limit distinct methods reported by name. Default 100. */
  constructor(private readonly limit = 100) {}

  label(method: string): string {
    if (this.known.has(method)) {
      return method;
    }
    if (this.known.size >= this.limit) {
      return OTHER_METHOD;
    }
    this.known.add(method);
    return method;
  }
}
