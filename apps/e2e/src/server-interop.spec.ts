import { status as Status } from '@grpc/grpc-js';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { GrpcJsClient, killAll, SERVERS, type StartedServer, startServer } from '@protomesh/testing';

// Starting bundles on a busy machine can outlast Jest's 5 s default; each wait has its own bound.
jest.setTimeout(30_000);

const BUF = join(__dirname, '../../../node_modules/.bin/buf');

describe.each(SERVERS)('$name called by @grpc/grpc-js', ({ program }) => {
  let server: StartedServer;
  let client: GrpcJsClient;

  beforeAll(async () => {
    server = await startServer({ POD_NAME: 'interop-pod', SERVICE_VERSION: '1.2.3' }, program);
    client = new GrpcJsClient(`127.0.0.1:${server.port}`);
  });

  afterAll(async () => {
    client.close();
    await killAll();
  });

  it('answers SayHello and names itself in the response headers', async () => {
    const outcome = await client.sayHello('Ada', 5_000);
    expect(outcome).toMatchObject({ code: Status.OK, value: { message: 'Hello, Ada!' } });
    expect(outcome.header?.get('x-server-instance')).toEqual(['interop-pod']);
    expect(outcome.header?.get('x-server-version')).toEqual(['1.2.3']);
  });

  it.each(['', 'greeter.v1.GreeterService'])('reports %j SERVING on grpc.health.v1 Check', async (service) => {
    await expect(client.healthCheck(service, 5_000)).resolves.toMatchObject({
      code: Status.OK,
      value: { status: 'SERVING' },
    });
  });

  it('answers Check for a service it does not have with NOT_FOUND', async () => {
    await expect(client.healthCheck('no.such.Service', 5_000)).resolves.toMatchObject({ code: Status.NOT_FOUND });
  });

  it('rejects an empty name with INVALID_ARGUMENT and says why', async () => {
    const outcome = await client.sayHello('', 5_000);
    expect(outcome.code).toBe(Status.INVALID_ARGUMENT);
    // grpc-message is percent-encoded (gRPC over HTTP/2 spec). Connect encodes
    // with encodeURIComponent, grpc-js decodes with decodeURI, which leaves
    // reserved characters such as ":" escaped; every %XX decodes per the spec.
    expect(decodeURIComponent(outcome.details)).toBe('name: must not be empty');
  });

  it.each(['/greeter.v1.GreeterService/SayGoodbye', '/no.such.Service/Method'])(
    'answers the unknown method %s with UNIMPLEMENTED',
    async (path) => {
      await expect(client.callRaw(path, 5_000)).resolves.toMatchObject({ code: Status.UNIMPLEMENTED });
    },
  );

  // buf curl (connect-go underneath) as a third, independent reflection client.
  it.each(['grpc-v1', 'grpc-v1alpha'])('lists its services by server reflection (%s)', async (protocol) => {
    const { stdout } = await promisify(execFile)(
      BUF,
      [
        'curl',
        '--protocol=grpc',
        '--http2-prior-knowledge',
        `--reflect-protocol=${protocol}`,
        '--list-services',
        server.url,
      ],
      { timeout: 20_000 },
    );
    expect(stdout.trim().split('\n').sort()).toEqual([
      'greeter.v1.GreeterService',
      'grpc.health.v1.Health',
      'grpc.reflection.v1.ServerReflection',
      'grpc.reflection.v1alpha.ServerReflection',
    ]);
  });

  it('keeps serving after the errors above', async () => {
    await expect(client.sayHello('again', 5_000)).resolves.toMatchObject({ code: Status.OK });
  });
});
