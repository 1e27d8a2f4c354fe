import { Code, ConnectError } from '@connectrpc/connect';
import { InvalidFieldError, toConnectError } from './errors.js';
import { type Loopback, startLoopback } from './test-support.js';

describe('error mapping', () => {
  let loopback: Loopback;

  beforeAll(async () => {
    loopback = await startLoopback({
      sayHello: (request) => {
        switch (request.name) {
          case 'invalid':
            throw new InvalidFieldError('name', 'must not be empty');
          case 'bug':
            throw new Error('connection string postgres://admin:secret@db');
          case 'denied':
            throw new ConnectError('not for you', Code.PermissionDenied);
          default:
            return { message: `Hello, ${request.name}!` };
        }
      },
    });
  });

  afterAll(async () => {
    await loopback.close();
  });

  const failure = (name: string) =>
    loopback.greeter.sayHello({ name }).then(
      () => {
        throw new Error(`SayHello(${name}) succeeded`);
      },
      (err: unknown) => ConnectError.from(err),
    );

  it('turns an InvalidFieldError into INVALID_ARGUMENT with its message', async () => {
    const error = await failure('invalid');
    expect(error.code).toBe(Code.InvalidArgument);
    expect(error.rawMessage).toBe('name: must not be empty');
  });

  it('turns any other thrown error into UNKNOWN without leaking its message', async () => {
    const error = await failure('bug');
    expect(error.code).toBe(Code.Unknown);
    expect(error.rawMessage).toBe('internal error');
  });

  it('passes a ConnectError through with its code and message', async () => {
    const error = await failure('denied');
    expect(error.code).toBe(Code.PermissionDenied);
    expect(error.rawMessage).toBe('not for you');
  });

  it('keeps the original error as the cause, for the log', () => {
    const original = new Error('boom');
    expect(toConnectError(original).cause).toBe(original);
    const invalid = new InvalidFieldError('name', 'too long');
    expect(toConnectError(invalid).cause).toBe(invalid);
    const connect = new ConnectError('gone', Code.NotFound);
    expect(toConnectError(connect)).toBe(connect);
  });

  it('still answers OK after the failures', async () => {
    await expect(loopback.greeter.sayHello({ name: 'again' })).resolves.toMatchObject({ message: 'Hello, again!' });
  });
});
