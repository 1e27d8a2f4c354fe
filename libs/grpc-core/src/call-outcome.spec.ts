import { Code, ConnectError } from '@connectrpc/connect';
import { callOutcome, errorType, isServerBug, OK_OUTCOME } from './call-outcome.js';
import { InvalidFieldError } from './invalid-field-error.js';

describe('callOutcome', () => {
  it('keeps a ConnectError with its code and message', () => {
    const denied = new ConnectError('not for you', Code.PermissionDenied);
    expect(callOutcome(denied)).toEqual({ error: denied, status: 'PERMISSION_DENIED' });
  });

  it('turns an InvalidFieldError into INVALID_ARGUMENT with its message, keeping it as the cause', () => {
    const invalid = new InvalidFieldError('name', 'must not be empty');
    const { error, status } = callOutcome(invalid);
    expect(status).toBe('INVALID_ARGUMENT');
    expect(error?.rawMessage).toBe('name: must not be empty');
    expect(error?.cause).toBe(invalid);
  });

  it('turns any other failure into UNKNOWN without leaking its message, keeping it as the cause', () => {
    const bug = new Error('connection string postgres://admin:secret@db');
    const { error, status } = callOutcome(bug);
    expect(status).toBe('UNKNOWN');
    expect(error?.rawMessage).toBe('internal error');
    expect(error?.cause).toBe(bug);
    expect(callOutcome('a thrown string').status).toBe('UNKNOWN');
  });

  it('calls a failure that is the abort reason of the call CANCELLED: the caller went away', () => {
    const controller = new AbortController();
    const reset = new ConnectError('stream reset by the client', Code.Internal);
    controller.abort(reset);
    const { error, status } = callOutcome(reset, controller.signal);
    expect(status).toBe('CANCELLED');
    expect(error?.cause).toBe(reset);
  });

  it('keeps DEADLINE_EXCEEDED when the server’s own deadline aborted the call', () => {
    const controller = new AbortController();
    const deadline = new ConnectError('the operation timed out', Code.DeadlineExceeded);
    controller.abort(deadline);
    expect(callOutcome(deadline, controller.signal).status).toBe('DEADLINE_EXCEEDED');
  });

  it('maps a failure other than the abort reason as usual even when the call was aborted', () => {
    const controller = new AbortController();
    controller.abort(new ConnectError('reset', Code.Canceled));
    expect(callOutcome(new Error('unrelated bug'), controller.signal).status).toBe('UNKNOWN');
  });

  it('folds a code outside the gRPC codes into UNKNOWN', () => {
    expect(callOutcome(new ConnectError('odd', 99 as Code)).status).toBe('UNKNOWN');
  });
});

describe('errorType', () => {
  const failed = (code: Code) => callOutcome(new ConnectError('x', code));

  it('is unset for success on both sides', () => {
    expect(errorType('server', OK_OUTCOME)).toBeUndefined();
    expect(errorType('client', OK_OUTCOME)).toBeUndefined();
  });

  it('marks every failure on the client side', () => {
    expect(errorType('client', failed(Code.InvalidArgument))).toBe('INVALID_ARGUMENT');
    expect(errorType('client', failed(Code.NotFound))).toBe('NOT_FOUND');
  });

  it('marks only server faults on the server side, not the caller’s mistakes', () => {
    const faults = [
      Code.Unknown,
      Code.DeadlineExceeded,
      Code.Unimplemented,
      Code.Internal,
      Code.Unavailable,
      Code.DataLoss,
    ];
    for (const code of faults) {
      expect(errorType('server', failed(code))).toBe(failed(code).status);
    }
    for (const code of [Code.InvalidArgument, Code.NotFound, Code.PermissionDenied, Code.Canceled]) {
      expect(errorType('server', failed(code))).toBeUndefined();
    }
  });
});

describe('isServerBug', () => {
  it('holds for UNKNOWN and INTERNAL only', () => {
    expect(isServerBug(callOutcome(new Error('bug')))).toBe(true);
    expect(isServerBug(callOutcome(new ConnectError('x', Code.Internal)))).toBe(true);
    expect(isServerBug(callOutcome(new ConnectError('x', Code.Unavailable)))).toBe(false);
    expect(isServerBug(OK_OUTCOME)).toBe(false);
  });
});
