import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { dirname, join } from 'node:path';

// @grpc/grpc-js and its proto-loader read the .proto files at run time: an
// implementation of gRPC that shares no code (and no generated stubs) with ours.
const PROTO_ROOT = join(__dirname, '../../../proto');
const HEALTH_PROTO_ROOT = join(dirname(require.resolve('grpc-health-check/package.json')), 'proto');

/** How a unary call ended, in grpc-js terms. */
export interface UnaryOutcome<T> {
  readonly code: grpc.status;
  readonly details: string;
  readonly value?: T;
  /** Response headers, when the server sent any. */
  readonly header?: grpc.Metadata;
}

type Callback<T> = (error: grpc.ServiceError | null, value?: T) => void;

interface GreeterStub extends grpc.Client {
  sayHello(
    request: { name: string },
    options: grpc.CallOptions,
    callback: Callback<{ message: string }>,
  ): grpc.ClientUnaryCall;
}

interface HealthStub extends grpc.Client {
  check(
    request: { service: string },
    options: grpc.CallOptions,
    callback: Callback<{ status: string }>,
  ): grpc.ClientUnaryCall;
  watch(request: { service: string }, options: grpc.CallOptions): grpc.ClientReadableStream<{ status: string }>;
}

function loadService(root: string, file: string, path: string[]): grpc.ServiceClientConstructor {
  const definition = loadSync(file, { includeDirs: [root], enums: String, defaults: true });
  let node: unknown = grpc.loadPackageDefinition(definition);
  for (const name of path) {
    node = (node as Record<string, unknown>)[name];
  }
  return node as grpc.ServiceClientConstructor;
}

const greeterService = () => loadService(PROTO_ROOT, 'greeter/v1/greeter.proto', ['greeter', 'v1', 'GreeterService']);

/**
 * greeter.v1 and grpc.health.v1 clients from @grpc/grpc-js. Both stubs use
 * one channel, so they share connections as a real caller would. `address`
 * is `host:port`, or any target a registered resolver knows (`xds:///…`).
 */
export class GrpcJsClient {
  private readonly greeter: GreeterStub;
  private readonly health: HealthStub;

  constructor(
    address: string,
    channelOptions: grpc.ChannelOptions = {},
    credentials: grpc.ChannelCredentials = grpc.credentials.createInsecure(),
  ) {
    const Greeter = greeterService();
    const Health = loadService(HEALTH_PROTO_ROOT, 'health/v1/health.proto', ['grpc', 'health', 'v1', 'Health']);
    this.greeter = new Greeter(address, credentials, channelOptions) as unknown as GreeterStub;
    this.health = new Health(address, grpc.credentials.createInsecure(), {
      channelOverride: this.greeter.getChannel(),
    }) as unknown as HealthStub;
  }

  sayHello(name: string, deadlineMs: number): Promise<UnaryOutcome<{ message: string }>> {
    return unary((options, callback) => this.greeter.sayHello({ name }, options, callback), deadlineMs);
  }

  healthCheck(service: string, deadlineMs: number): Promise<UnaryOutcome<{ status: string }>> {
    return unary((options, callback) => this.health.check({ service }, options, callback), deadlineMs);
  }

  healthWatch(service: string, deadlineMs: number): grpc.ClientReadableStream<{ status: string }> {
    return this.health.watch({ service }, { deadline: Date.now() + deadlineMs });
  }

  /** Calls `path` with an empty message, whatever methods the server has. */
  callRaw(path: string, deadlineMs: number): Promise<UnaryOutcome<Buffer>> {
    const identity = (buffer: Buffer) => buffer;
    return unary(
      (options, callback) =>
        this.greeter.makeUnaryRequest(path, identity, identity, Buffer.alloc(0), options, callback),
      deadlineMs,
    );
  }

  /** The one channel both stubs use. */
  channel(): grpc.Channel {
    return this.greeter.getChannel() as grpc.Channel;
  }

  close(): void {
    this.health.close();
    this.greeter.close();
  }
}

function unary<T>(
  start: (options: grpc.CallOptions, callback: Callback<T>) => grpc.ClientUnaryCall,
  deadlineMs: number,
): Promise<UnaryOutcome<T>> {
  return new Promise((resolve) => {
    let header: grpc.Metadata | undefined;
    const call = start({ deadline: Date.now() + deadlineMs }, (error, value) => {
      resolve(
        error
          ? { code: error.code, details: error.details, header }
          : { code: grpc.status.OK, details: '', value, header },
      );
    });
    call.on('metadata', (metadata: grpc.Metadata) => (header = metadata));
  });
}

/** Reads a server stream to its end: the messages, then the status it ended with. */
export function readAll<T>(stream: grpc.ClientReadableStream<T>): Promise<{ messages: T[]; code: grpc.status }> {
  return new Promise((resolve) => {
    const messages: T[] = [];
    stream.on('data', (message: T) => messages.push(message));
    stream.on('error', () => undefined);
    stream.on('status', (status: grpc.StatusObject) => resolve({ messages, code: status.code }));
  });
}

/** What the peer answers to the n-th SayHello (0-based): a message or a status. */
export type PeerAnswer = { message: string } | { code: grpc.status; details: string };

export interface GrpcJsGreeter {
  readonly url: string;
  /** How many SayHello calls arrived, retries included. */
  readonly calls: () => number;
  close(): void;
}

/** Where and how startGrpcJsGreeter serves; every field optional. */
export interface GreeterServing {
  /** Default a plain grpc.Server; e.g. an XdsServer of @grpc/grpc-js-xds. */
  readonly server?: grpc.Server;
  /** `host:port`, default 127.0.0.1:0. */
  readonly address?: string;
  /** Default insecure. */
  readonly credentials?: grpc.ServerCredentials;
  /** Its x-server-instance, default `grpc-js-peer`. */
  readonly instance?: string;
}

/**
 * A greeter.v1 server built with @grpc/grpc-js, by default on 127.0.0.1, port
 * 0. It names itself in the x-server-instance header as our server does.
 */
export async function startGrpcJsGreeter(
  answer: (call: number, name: string) => PeerAnswer,
  serving: GreeterServing = {},
): Promise<GrpcJsGreeter> {
  let calls = 0;
  const server = serving.server ?? new grpc.Server();
  server.addService(greeterService().service, {
    sayHello(
      call: grpc.ServerUnaryCall<{ name: string }, { message: string }>,
      callback: grpc.sendUnaryData<{ message: string }>,
    ) {
      const header = new grpc.Metadata();
      header.set('x-server-instance', serving.instance ?? 'grpc-js-peer');
      call.sendMetadata(header);
      const reply = answer(calls++, call.request.name);
      if ('message' in reply) {
        callback(null, reply);
      } else {
        callback({ code: reply.code, details: reply.details });
      }
    },
  });
  const address = serving.address ?? '127.0.0.1:0';
  const credentials = serving.credentials ?? grpc.ServerCredentials.createInsecure();
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(address, credentials, (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  const host = address.slice(0, address.lastIndexOf(':'));
  return { url: `http://${host}:${port}`, calls: () => calls, close: () => server.forceShutdown() };
}
