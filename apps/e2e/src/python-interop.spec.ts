import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { describeWhen, killAll, SERVERS, startServer } from '@protomesh/testing';

const run = promisify(execFile);
const ROOT = join(__dirname, '../../..');
const BUF = join(ROOT, 'node_modules/.bin/buf');
const SCRIPT = join(__dirname, 'support/grpcio_interop.py');
// Debian's interpreter: the python3 first on PATH may be another build without Debian's packages.
const PYTHON = '/usr/bin/python3';

function grpcioMissing(): string | undefined {
  const probe = spawnSync(PYTHON, ['-c', 'import grpc, google.protobuf; print(grpc.__version__)'], {
    encoding: 'utf8',
  });
  return probe.status === 0
    ? undefined
    : `needs ${PYTHON} with grpcio and protobuf (Debian: apt-get install python3-grpcio): ${probe.error?.message ?? probe.stderr.trim()}`;
}

/** Python grpcio, a third gRPC implementation, against both servers. */
describeWhen('Python grpcio calling the greeter servers', grpcioMissing(), () => {
  let descriptors: string;
  let descriptorSets: string[];

  // Descriptor sets of the same protos, made by buf for this run only: nothing generated is kept.
  beforeAll(async () => {
    descriptors = mkdtempSync(join(tmpdir(), 'protomesh-python-'));
    const health = join(dirname(require.resolve('grpc-health-check/package.json')), 'proto');
    descriptorSets = [join(descriptors, 'greeter.binpb'), join(descriptors, 'health.binpb')];
    await run(BUF, ['build', join(ROOT, 'proto'), '-o', descriptorSets[0]]);
    await run(BUF, ['build', health, '--path', join(health, 'health/v1/health.proto'), '-o', descriptorSets[1]]);
  }, 30_000);

  afterAll(() => rmSync(descriptors, { recursive: true, force: true }));

  describe.each(SERVERS)('$name', ({ program }) => {
    afterAll(killAll);

    it('answers SayHello with its headers, the same INVALID_ARGUMENT messages, health, limits and deadlines', async () => {
      const server = await startServer({ POD_NAME: 'python-pod', SERVICE_VERSION: '3.2.1' }, program);
      const { stdout } = await run(PYTHON, [SCRIPT, `127.0.0.1:${server.port}`, ...descriptorSets], {
        timeout: 30_000,
      });
      expect(JSON.parse(stdout)).toEqual({
        sayHello: { message: 'Hello, Python!', 'x-server-instance': 'python-pod', 'x-server-version': '3.2.1' },
        emptyName: ['INVALID_ARGUMENT', 'name: must not be empty'],
        name257: ['INVALID_ARGUMENT', 'name: must be at most 256 characters, got 257'],
        name256: ['OK', `Hello, ${'\u{1F600}'.repeat(256)}!`],
        check: { '': 'SERVING', 'greeter.v1.GreeterService': 'SERVING' },
        checkUnknown: 'NOT_FOUND',
        watchFirst: 'SERVING',
        unknownMethod: 'UNIMPLEMENTED',
        oversized: 'RESOURCE_EXHAUSTED',
        deadline400s: 'INVALID_ARGUMENT',
      });
    }, 40_000);
  });
});
