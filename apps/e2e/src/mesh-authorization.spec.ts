import { status as grpcStatus } from '@grpc/grpc-js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  backends,
  type Caller,
  describeWhen,
  goMissing,
  GrpcJsClient,
  type GrpcJsGreeter,
  helmTemplate,
  instanceOf,
  type KubeObject,
  meshMissing,
  MeshRehearsal,
  mintWorkloadCertificates,
  opensslMissing,
  type Placed,
  startXdsGreeter,
  unusedPort,
  type XdsGreeter,
} from '@protomesh/testing';
import { withIstioMutual } from './support/mesh-routing';

/**
 * The chart's PeerAuthentication (STRICT) and AuthorizationPolicy (the
 * client's service account may POST SayHello and the health checks) enforced
 * through istiod: the server here is a grpc-js xDS server (our Connect server
 * cannot be one), fed its inbound listener by istiod as the rendered server
 * workload; callers are proxyless with throw-away SPIFFE certificates
 * (Istio's CA is off in the rehearsal). The one change to the rendering:
 * DestinationRule tls ISTIO_MUTUAL, which proxyless callers need for mTLS.
 */
const UNLISTED = '/greeter.v1.GreeterService/SayGoodbye';

describeWhen(
  "the chart's mTLS and AuthorizationPolicy, enforced by a proxyless xDS server",
  goMissing() ?? meshMissing() ?? opensslMissing(),
  () => {
    let mesh: MeshRehearsal;
    let server: GrpcJsGreeter;
    let caller: Caller;
    let docs: KubeObject[];
    let placed: Placed;
    let certs: Record<string, string>;
    const dir = mkdtempSync(join(tmpdir(), 'protomesh-certs-'));

    beforeAll(async () => {
      mesh = await MeshRehearsal.start();
      certs = mintWorkloadCertificates(dir, 'mesh', ['protomesh-server', 'protomesh-client', 'intruder']);
      docs = withIstioMutual(await helmTemplate());
      placed = { instance: instanceOf(backends(docs)[0]), address: '127.0.0.2', port: await unusedPort('127.0.0.2') };
      caller = await mesh.configure(docs, [placed]);
      server = await startXdsGreeter(mesh.istiod.xdsAddress, placed, certs['protomesh-server'], UNLISTED);
    }, 30 * 60_000);

    afterAll(async () => {
      server?.close();
      await mesh?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    async function asCaller<T>(serviceAccount: string | undefined, call: (client: XdsGreeter) => Promise<T>) {
      const client = mesh.client(caller, serviceAccount && certs[serviceAccount]);
      try {
        return await call(client);
      } finally {
        await client.close();
      }
    }

    it('lets the client service account (mTLS as sa/protomesh-client) call SayHello', async () => {
      const outcome = await asCaller('protomesh-client', (client) => client.call());
      expect(outcome).toMatchObject({ code: 'OK', serverInstance: 'protomesh-server-v1-0' });
      expect(server.calls()).toBeGreaterThan(0);
    });

    it('denies that caller a method the policy does not list: PERMISSION_DENIED', async () => {
      const outcome = await asCaller('protomesh-client', (client) => client.callPath(UNLISTED));
      expect(outcome).toMatchObject({ code: 'PERMISSION_DENIED', error: 'Unauthorized RPC rejected' });
    });

    it('denies SayHello to another identity (sa/intruder): PERMISSION_DENIED', async () => {
      const outcome = await asCaller('intruder', (client) => client.call());
      expect(outcome).toMatchObject({ code: 'PERMISSION_DENIED', error: 'Unauthorized RPC rejected' });
    });

    it('refuses a plaintext connection (STRICT): a caller dialing the server directly gets UNAVAILABLE', async () => {
      const direct = new GrpcJsClient(`${placed.address}:${placed.port}`);
      try {
        expect((await direct.sayHello('plaintext', 2_000)).code).toBe(grpcStatus.UNAVAILABLE);
      } finally {
        direct.close();
      }
    });

    it("owes the denials to the chart's policy: without its AuthorizationPolicy, the same calls pass", async () => {
      await mesh.configure(
        docs.filter((doc) => doc.kind !== 'AuthorizationPolicy'),
        [placed],
      );
      expect(await asCaller('protomesh-client', (client) => client.callPath(UNLISTED))).toMatchObject({ code: 'OK' });
      expect(await asCaller('intruder', (client) => client.call())).toMatchObject({ code: 'OK' });
    });
  },
);
