// First: grpc-js-xds reads its feature switches when it loads.
import './xds-features.js';
import * as grpc from '@grpc/grpc-js';
import { XdsServer, XdsServerCredentials } from '@grpc/grpc-js-xds';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type GrpcJsGreeter, startGrpcJsGreeter } from '../grpc-js-peer.js';
import type { Placed } from './rendering.js';
import { BOOTSTRAP_OPTION, registerXds, xdsBootstrap } from './xds-client.js';

/** Why throw-away certificates cannot be minted here, or undefined. */
export function opensslMissing(): string | undefined {
  const result = spawnSync('openssl', ['version'], { encoding: 'utf8' });
  return result.status === 0 ? undefined : `needs openssl on PATH: ${result.error?.message ?? result.stderr.trim()}`;
}

/**
 * A throw-away root and, per service account, the workload certificate
 * istio-agent would fetch from Istio's CA (SAN spiffe://<trust domain>/ns/<ns>/sa/<sa>),
 * as `<dir>/<sa>/{cert-chain,key,root-cert}.pem`. Istio's own CA is off in
 * the rehearsal: these prove the policy logic, not Istio's issuance.
 */
export function mintWorkloadCertificates(
  dir: string,
  namespace: string,
  serviceAccounts: readonly string[],
  trustDomain = 'cluster.local',
): Record<string, string> {
  // Arguments as one string each: none of them contains a space.
  const openssl = (args: string) => execFileSync('openssl', args.split(' '), { cwd: dir, stdio: 'pipe' });
  const key = '-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes';
  mkdirSync(dir, { recursive: true });
  openssl(
    `req -x509 ${key} -days 1 -subj /O=${trustDomain}/CN=rehearsal-root -keyout root-key.pem -out root-cert.pem ` +
      '-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign',
  );
  return Object.fromEntries(
    serviceAccounts.map((sa) => {
      mkdirSync(join(dir, sa));
      writeFileSync(
        join(dir, sa, 'ext.cnf'),
        `subjectAltName=critical,URI:spiffe://${trustDomain}/ns/${namespace}/sa/${sa}\n` +
          'extendedKeyUsage=serverAuth,clientAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n',
      );
      openssl(`req ${key} -subj /O=${trustDomain} -keyout ${sa}/key.pem -out ${sa}/csr.pem`);
      openssl(
        `x509 -req -in ${sa}/csr.pem -CA root-cert.pem -CAkey root-key.pem -CAcreateserial -days 1 ` +
          `-extfile ${sa}/ext.cnf -out ${sa}/cert-chain.pem`,
      );
      copyFileSync(join(dir, 'root-cert.pem'), join(dir, sa, 'root-cert.pem'));
      return [sa, join(dir, sa)];
    }),
  );
}

/**
 * A greeter.v1 server that is an xDS server (grpc-js-xds XdsServer), as a
 * proxyless pod would run it: it asks istiod for its inbound listener as the
 * workload `placed` stands for (its pod labels, service account and address),
 * so the PeerAuthentication (mTLS mode) and AuthorizationPolicy (RBAC filter)
 * selecting those labels are enforced on every call. `certDir` is its
 * identity. `unlistedPath` is implemented too (answered with an empty
 * message), since grpc-js answers UNIMPLEMENTED for unknown methods before
 * any policy runs. Resolves once istiod's listener is serving.
 */
export async function startXdsGreeter(
  xdsAddress: string,
  placed: Placed,
  certDir: string,
  unlistedPath: string,
): Promise<GrpcJsGreeter> {
  registerXds();
  const { instance, address, port } = placed;
  const node = {
    workload: instance.backend.deployment,
    namespace: instance.backend.namespace,
    labels: { ...instance.backend.podLabels, version: instance.version },
    serviceAccount: instance.backend.serviceAccount,
    ip: address,
  };
  const server = new XdsServer({
    [BOOTSTRAP_OPTION]: JSON.stringify(xdsBootstrap(xdsAddress, node, { certDir, server: true })),
  });
  const identity = (buffer: Buffer) => buffer;
  server.register(
    unlistedPath,
    (_call: unknown, callback: grpc.sendUnaryData<Buffer>) => callback(null, Buffer.alloc(0)),
    identity,
    identity,
    'unary',
  );
  const serving = startGrpcJsGreeter(() => ({ message: 'Hello from the xDS server' }), {
    server,
    address: `${address}:${port}`,
    credentials: new XdsServerCredentials(grpc.ServerCredentials.createInsecure()),
    instance: instance.name,
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      server.forceShutdown();
      reject(new Error(`the xDS server at ${address}:${port} got no usable listener from istiod within 20 s`));
    }, 20_000);
  });
  return Promise.race([serving, timeout]).finally(() => clearTimeout(timer));
}
