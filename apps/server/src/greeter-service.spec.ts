import { type Client, Code, ConnectError } from '@connectrpc/connect';
import { createGrpcServer, type GrpcServer } from '@protomesh/grpc-server';
import { GreeterService } from '@protomesh/proto/greeter/v1';
import { type Loopback, loopbackServerOptions, serveOnLoopback } from '@protomesh/testing';
import { greeterService, MAX_NAME_LENGTH } from './greeter-service.js';

describe('GreeterService over loopback gRPC', () => {
  let loopback: Loopback<GrpcServer>;
  let client: Client<typeof GreeterService>;

  beforeAll(async () => {
    loopback = await serveOnLoopback(
      createGrpcServer(loopbackServerOptions({ routes: (router) => router.service(GreeterService, greeterService) })),
    );
    client = loopback.greeter;
  });

  afterAll(async () => {
    await loopback.close();
  });

  async function sayHelloError(name: string): Promise<ConnectError> {
    const error = await client.sayHello({ name }).then(
      () => undefined,
      (err: unknown) => ConnectError.from(err),
    );
    if (!error) {
      throw new Error(`SayHello(${JSON.stringify(name)}) succeeded`);
    }
    return error;
  }

  it('greets by name', async () => {
    await expect(client.sayHello({ name: 'Ada' })).resolves.toMatchObject({ message: 'Hello, Ada!' });
  });

  it.each(['', '   '])('rejects the blank name %j with INVALID_ARGUMENT', async (name) => {
    const error = await sayHelloError(name);
    expect(error.code).toBe(Code.InvalidArgument);
    expect(error.rawMessage).toBe('name: must not be empty');
  });

  // '😀' is one code point, two UTF-16 units and four UTF-8 bytes: a limit
  // counted in units or bytes would reject the 256-code-point name.
  const emoji = '😀';

  it('accepts a name of exactly 256 code points', async () => {
    const name = emoji.repeat(MAX_NAME_LENGTH);
    expect(Buffer.byteLength(name)).toBe(4 * 256);
    await expect(client.sayHello({ name })).resolves.toMatchObject({ message: `Hello, ${name}!` });
  });

  it('rejects 257 code points with INVALID_ARGUMENT and the count', async () => {
    const error = await sayHelloError(emoji.repeat(MAX_NAME_LENGTH + 1));
    expect(error.code).toBe(Code.InvalidArgument);
    expect(error.rawMessage).toBe('name: must be at most 256 characters, got 257');
  });
});
