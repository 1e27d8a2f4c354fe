/**
 * gRPC status codes by their canonical names (grpc/doc/statuscodes.md), the
 * spelling used in logs, metrics labels and Istio's `abort.grpcStatus`.
 * Index = numeric code.
 */
export const GRPC_STATUS_NAMES = [
  'OK',
  'CANCELLED',
  'UNKNOWN',
  'INVALID_ARGUMENT',
  'DEADLINE_EXCEEDED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION',
  'ABORTED',
  'OUT_OF_RANGE',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
  'UNAUTHENTICATED',
] as const;

export type GrpcStatusName = (typeof GRPC_STATUS_NAMES)[number];

/** The canonical name of a numeric code; unknown numbers fold into UNKNOWN. */
export function grpcStatusName(code: number): GrpcStatusName {
  return GRPC_STATUS_NAMES[code] ?? 'UNKNOWN';
}

/** The numeric code of a canonical name, or undefined when it names none. */
export function grpcStatusCode(name: string): number | undefined {
  const code = GRPC_STATUS_NAMES.indexOf(name as GrpcStatusName);
  return code < 0 ? undefined : code;
}
