import { Code } from '@connectrpc/connect';
import { errorTypeLabel, MethodLabels, OTHER_METHOD, statusCodeLabel } from './rpc-labels.js';

describe('status code labels', () => {
  it('are the canonical gRPC status names', () => {
    expect(statusCodeLabel(undefined)).toBe('OK');
    expect(statusCodeLabel(Code.DeadlineExceeded)).toBe('DEADLINE_EXCEEDED');
    expect(statusCodeLabel(Code.Unavailable)).toBe('UNAVAILABLE');
    expect(statusCodeLabel(Code.InvalidArgument)).toBe('INVALID_ARGUMENT');
    expect(statusCodeLabel(Code.Canceled)).toBe('CANCELLED');
  });

  it('fold a number outside the gRPC codes into UNKNOWN', () => {
    expect(statusCodeLabel(99 as Code)).toBe('UNKNOWN');
  });
});

describe('error.type', () => {
  it('is unset for success on both sides', () => {
    expect(errorTypeLabel('server', undefined)).toBeUndefined();
    expect(errorTypeLabel('client', undefined)).toBeUndefined();
  });

  it('marks every failure on the client side', () => {
    expect(errorTypeLabel('client', Code.InvalidArgument)).toBe('INVALID_ARGUMENT');
    expect(errorTypeLabel('client', Code.NotFound)).toBe('NOT_FOUND');
  });

  it('marks only server faults on the server side, not the caller’s mistakes', () => {
    const failures = [
      Code.Unknown,
      Code.DeadlineExceeded,
      Code.Unimplemented,
      Code.Internal,
      Code.Unavailable,
      Code.DataLoss,
    ];
    for (const code of failures) {
      expect(errorTypeLabel('server', code)).toBe(statusCodeLabel(code));
    }
    for (const code of [Code.InvalidArgument, Code.NotFound, Code.PermissionDenied, Code.Canceled]) {
      expect(errorTypeLabel('server', code)).toBeUndefined();
    }
  });
});

describe('MethodLabels', () => {
  it('keeps the names of the first methods and folds later ones into _OTHER', () => {
    const labels = new MethodLabels(2);
    expect(labels.label('a.v1.A/One')).toBe('a.v1.A/One');
    expect(labels.label('a.v1.A/Two')).toBe('a.v1.A/Two');
    expect(labels.label('a.v1.A/Three')).toBe(OTHER_METHOD);
    expect(labels.label('a.v1.A/One')).toBe('a.v1.A/One');
    expect(labels.label('b.v1.B/Four')).toBe(OTHER_METHOD);
  });

  it('tracks 100 methods by default', () => {
    const labels = new MethodLabels();
    const names = Array.from({ length: 150 }, (_, i) => labels.label(`x.v1.X/M${i}`));
    expect(new Set(names).size).toBe(101);
    expect(names[99]).toBe('x.v1.X/M99');
    expect(names[100]).toBe(OTHER_METHOD);
  });
});
