import { ConfigError } from '@protomesh/runtime';
import { HTTPVersion, Protocol } from './gen/connectrpc/conformance/v1/config_pb.js';
import { checkServerCompatRequest } from './server-compat.js';
import { create } from '@bufbuild/protobuf';
import { ServerCompatRequestSchema } from './gen/connectrpc/conformance/v1/server_compat_pb.js';

describe('the ServerCompatRequest this server accepts', () => {
  const request = (init: Parameters<typeof create<typeof ServerCompatRequestSchema>>[1]) =>
    create(ServerCompatRequestSchema, {
      protocol: Protocol.GRPC,
      httpVersion: HTTPVersion.HTTP_VERSION_2,
      ...init,
    });

  it('is gRPC over HTTP/2 cleartext', () => {
    expect(() => checkServerCompatRequest(request({ messageReceiveLimit: 204_800 }))).not.toThrow();
  });

  it('refuses other protocols, HTTP versions and TLS as a config error (exit 2), saying which', () => {
    const check = () =>
      checkServerCompatRequest(
        request({ protocol: Protocol.CONNECT, httpVersion: HTTPVersion.HTTP_VERSION_1, useTls: true }),
      );
    expect(check).toThrow(ConfigError);
    expect(check).toThrow(
      'ServerCompatRequest (config.yaml): expected gRPC over HTTP/2 cleartext, got "protocol CONNECT (only GRPC), HTTP version HTTP_VERSION_1 (only HTTP_VERSION_2), TLS (only cleartext h2c)"',
    );
  });
});
