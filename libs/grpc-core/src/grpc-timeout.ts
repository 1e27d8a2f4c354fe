const unitMs: Record<string, number> = {
  H: 3_600_000,
  M: 60_000,
  S: 1_000,
  m: 1,
  u: 0.001,
  n: 0.000_001,
};

/**
 * Parses a `grpc-timeout` header value (up to 8 digits and a unit, per the
 * gRPC over HTTP/2 spec) into milliseconds; undefined when absent or malformed.
 */
export function parseGrpcTimeout(value: string | null): number | undefined {
  const match = value === null ? null : /^([0-9]{1,8})([HMSmun])$/.exec(value);
  return match ? Number(match[1]) * unitMs[match[2]] : undefined;
}

/** Formats milliseconds as a `grpc-timeout` value, never below 1 ms. */
export function formatGrpcTimeout(ms: number): string {
  return `${Math.max(1, Math.ceil(ms))}m`;
}
