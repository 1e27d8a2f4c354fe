import { GRPC_STATUS_NAMES, grpcStatusCode, grpcStatusName } from './grpc-status.js';

describe('gRPC status names', () => {
  // The codes grpc/doc/statuscodes.md fixes on the wire.
  it.each([
    [0, 'OK'],
    [1, 'CANCELLED'],
    [2, 'UNKNOWN'],
    [3, 'INVALID_ARGUMENT'],
    [4, 'DEADLINE_EXCEEDED'],
    [5, 'NOT_FOUND'],
    [8, 'RESOURCE_EXHAUSTED'],
    [12, 'UNIMPLEMENTED'],
    [13, 'INTERNAL'],
    [14, 'UNAVAILABLE'],
    [16, 'UNAUTHENTICATED'],
  ])('code %d is %s both ways', (code, name) => {
    expect(grpcStatusName(code)).toBe(name);
    expect(grpcStatusCode(name)).toBe(code);
  });

  it('names all 17 codes once', () => {
    expect(GRPC_STATUS_NAMES).toHaveLength(17);
    expect(new Set(GRPC_STATUS_NAMES).size).toBe(17);
    GRPC_STATUS_NAMES.forEach((name, code) => expect(grpcStatusCode(name)).toBe(code));
  });

  it.each([17, -1, 99, 1.5])('folds the unknown code %d into UNKNOWN', (code) => {
    expect(grpcStatusName(code)).toBe('UNKNOWN');
  });

  it.each(['unavailable', 'CANCELED', '', 'OK ', 'length'])('knows no code named %j', (name) => {
    expect(grpcStatusCode(name)).toBeUndefined();
  });
});
