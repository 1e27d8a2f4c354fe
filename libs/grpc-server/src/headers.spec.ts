import { Code, ConnectError, createClient } from '@connectrpc/connect';
import { Health } from '@protomesh/proto/grpc/health/v1';
import { InvalidFieldError } from '@protomesh/grpc-core';
import {
  grpcFrame,
  type Loopback,
  loopbackServerOptions,
  rawGrpcRequest,
  serveOnLoopback,
  TEST_INSTANCE,
  TEST_VERSION,
} from '@protomesh/testing';
import { createGrpcServer, type GrpcServer } from './grpc-server.js';

const serverHeaders = (headers: Headers) => ({
  instance: headers.get('x-server-instance'),
  version: headers.get('x-server-version'),
});

const expected = { instance: TEST_INSTANCE, version: TEST_VERSION };

describe('x-server-instance and x-server-version', () => {
  let loopback: Loopback<GrpcServer>;

  beforeAll(async () => {
    loopback = await serveOnLoopback(
      createGrpcServer(
        loopbackServerOptions({
          sayHello: (request) => {
            if (request.name === '') {
              throw new InvalidFieldError('name', 'must not be empty');
            }
            return { message: `Hello, ${request.name}!` };
          },
        }),
      ),
    );
  });

  afterAll(async () => {
    await loopback.close();
  });

  it('are sent with a successful response', async () => {
    let header = new Headers();
    await loopback.greeter.sayHello({ name: 'headers' }, { onHeader: (h) => (header = h) });
    expect(serverHeaders(header)).toEqual(expected);
  });

  it('are sent with an error response', async () => {
    const error = await loopback.greeter.sayHello({ name: '' }).catch((err: unknown) => ConnectError.from(err));
    expect(error).toMatchObject({ code: Code.InvalidArgument });
    expect(serverHeaders((error as ConnectError).metadata)).toEqual(expected);
  });

  it('are sent by the health service', async () => {
    let header = new Headers();
    await createClient(Health, loopback.transport).check({ service: '' }, { onHeader: (h) => (header = h) });
    expect(serverHeaders(header)).toEqual(expected);
  });

  it('are sent with the answer to an unknown method', async () => {
    const response = await rawGrpcRequest(loopback.url, {
      path: '/greeter.v1.GreeterService/Nope',
      body: grpcFrame(new Uint8Array()),
    });
    expect(response.grpcStatus).toBe(Code.Unimplemented);
    expect(response.headers['x-server-instance']).toBe(TEST_INSTANCE);
    expect(response.headers['x-server-version']).toBe(TEST_VERSION);
  });

  it('are sent with an HTTP-level refusal (wrong content-type)', async () => {
    const response = await rawGrpcRequest(loopback.url, { headers: { 'content-type': 'text/plain' } });
    expect(response.status).toBe(415);
    expect(response.headers['x-server-instance']).toBe(TEST_INSTANCE);
    expect(response.headers['x-server-version']).toBe(TEST_VERSION);
  });

  it('are sent with the answer to a malformed request', async () => {
    const response = await rawGrpcRequest(loopback.url, { body: Buffer.from([0, 0, 0]) });
    expect(response.grpcStatus).toBeGreaterThan(0);
    expect(response.headers['x-server-instance']).toBe(TEST_INSTANCE);
    expect(response.headers['x-server-version']).toBe(TEST_VERSION);
  });
});
