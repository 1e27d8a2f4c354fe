import { fromBinary } from '@bufbuild/protobuf';
import { type FileDescriptorProto, FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';
import { Code, createClient } from '@connectrpc/connect';
import { GreeterService } from '@protomesh/proto/greeter/v1';
import { Health } from '@protomesh/proto/grpc/health/v1';
import * as v1 from '@protomesh/proto/grpc/reflection/v1';
import * as v1alpha from '@protomesh/proto/grpc/reflection/v1alpha';
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { type Loopback, loopbackServerOptions, serveOnLoopback } from '@protomesh/testing';
import { createGrpcServer, type GrpcServer } from './grpc-server.js';

const GREETER_FILE = 'greeter/v1/greeter.proto';
const ALL_SERVICES = [
  GreeterService.typeName,
  Health.typeName,
  v1.ServerReflection.typeName,
  v1alpha.ServerReflection.typeName,
].sort();

type Query = { case: 'listServices' | 'fileByFilename' | 'fileContainingSymbol'; value: string };

/** What either protocol version answered, in one shape. */
interface Answer {
  services?: string[];
  files?: FileDescriptorProto[];
  error?: { code: number; message: string };
}

type Ask = (query: Query) => Promise<Answer>;

async function first<T>(responses: AsyncIterable<T>): Promise<T> {
  for await (const response of responses) {
    return response;
  }
  throw new Error('the reflection stream ended without a response');
}

async function* one<T>(request: T): AsyncIterable<T> {
  yield request;
}

function toAnswer(response: v1.ServerReflectionResponse | v1alpha.ServerReflectionResponse): Answer {
  const { messageResponse } = response;
  switch (messageResponse.case) {
    case 'listServicesResponse':
      return { services: messageResponse.value.service.map((s) => s.name) };
    case 'fileDescriptorResponse':
      return {
        files: messageResponse.value.fileDescriptorProto.map((bytes) => fromBinary(FileDescriptorProtoSchema, bytes)),
      };
    case 'errorResponse':
      return { error: { code: messageResponse.value.errorCode, message: messageResponse.value.errorMessage } };
    default:
      throw new Error(`unexpected reflection response ${String(messageResponse.case)}`);
  }
}

describe('server reflection', () => {
  let loopback: Loopback<GrpcServer>;

  beforeAll(async () => {
    loopback = await serveOnLoopback(createGrpcServer(loopbackServerOptions()));
  });

  afterAll(async () => {
    await loopback.close();
  });

  const versions: [string, () => Ask][] = [
    [
      'v1',
      () => async (messageRequest) =>
        toAnswer(
          await first(
            createClient(v1.ServerReflection, loopback.transport).serverReflectionInfo(one({ messageRequest })),
          ),
        ),
    ],
    [
      'v1alpha',
      () => async (messageRequest) =>
        toAnswer(
          await first(
            createClient(v1alpha.ServerReflection, loopback.transport).serverReflectionInfo(one({ messageRequest })),
          ),
        ),
    ],
  ];

  describe.each(versions)('%s', (_version, askOf) => {
    it('lists the application, health and both reflection services', async () => {
      const answer = await askOf()({ case: 'listServices', value: '' });
      expect(answer.services?.sort()).toEqual(ALL_SERVICES);
    });

    it.each([GreeterService.typeName, `${GreeterService.typeName}.SayHello`, 'greeter.v1.SayHelloRequest'])(
      'finds the file declaring %s',
      async (symbol) => {
        const answer = await askOf()({ case: 'fileContainingSymbol', value: symbol });
        const file = answer.files?.[0];
        expect(file?.name).toBe(GREETER_FILE);
        expect(file?.package).toBe('greeter.v1');
        expect(file?.service.map((s) => s.name)).toEqual(['GreeterService']);
        expect(file?.service[0].method.map((m) => [m.name, m.inputType, m.outputType])).toEqual([
          ['SayHello', '.greeter.v1.SayHelloRequest', '.greeter.v1.SayHelloResponse'],
        ]);
      },
    );

    it('serves a file by its name', async () => {
      const answer = await askOf()({ case: 'fileByFilename', value: GREETER_FILE });
      expect(answer.files?.map((f) => f.name)).toContain(GREETER_FILE);
      expect(answer.files?.[0].messageType.map((m) => m.name).sort()).toEqual(['SayHelloRequest', 'SayHelloResponse']);
    });

    it.each([
      ['fileContainingSymbol', 'greeter.v1.NoSuchService'],
      ['fileContainingSymbol', 'greeter.v1.GreeterService.NoSuchMethod'],
      ['fileByFilename', 'no/such/file.proto'],
    ] as const)('answers %s %s with error_response NOT_FOUND', async (kind, value) => {
      const answer = await askOf()({ case: kind, value });
      expect(answer.error?.code).toBe(Code.NotFound);
      expect(answer.error?.message).toContain(value);
    });
  });

  describe('with the real buf CLI', () => {
    const buf = join(dirname(require.resolve('@bufbuild/buf/package.json')), 'bin', 'buf');
    const run = async (...args: string[]) =>
      (await promisify(execFile)(buf, args, { timeout: 20_000, encoding: 'utf8' })).stdout;

    it.each(['grpc-v1', 'grpc-v1alpha'])('lists the services over %s reflection', async (protocol) => {
      const stdout = await run(
        'curl',
        '--protocol',
        'grpc',
        '--http2-prior-knowledge',
        '--reflect-protocol',
        protocol,
        '--list-services',
        loopback.url,
      );
      expect(stdout.trim().split('\n').sort()).toEqual(ALL_SERVICES);
    });

    it('calls SayHello with the schema it learned by reflection', async () => {
      const stdout = await run(
        'curl',
        '--protocol',
        'grpc',
        '--http2-prior-knowledge',
        '--data',
        '{"name":"buf"}',
        `${loopback.url}/${GreeterService.typeName}/SayHello`,
      );
      expect(JSON.parse(stdout)).toEqual({ message: 'Hello, buf!' });
    });
  });
});
