import type { DescFile, DescService, Registry } from '@bufbuild/protobuf';
import { create, createRegistry, type MessageInitShape, toBinary } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';
import type { ServiceImpl } from '@connectrpc/connect';
import { Code } from '@connectrpc/connect';
import * as v1 from '@protomesh/proto/grpc/reflection/v1';
import * as v1alpha from '@protomesh/proto/grpc/reflection/v1alpha';

type Request = v1.ServerReflectionRequest | v1alpha.ServerReflectionRequest;
type ResponseBody = Pick<MessageInitShape<typeof v1.ServerReflectionResponseSchema>, 'messageResponse'>;

interface ReflectionSource {
  readonly serviceNames: readonly string[];
  readonly files: ReadonlyMap<string, DescFile>;
  readonly registry: Registry;
}

/**
 * gRPC server reflection, v1 and the v1alpha that older tools (grpcurl before
 * 1.8.8, many IDEs) still ask for. Both versions share one implementation:
 * their messages are field-for-field the same.
 */
export function createReflectionServices(services: readonly DescService[]): {
  v1: ServiceImpl<typeof v1.ServerReflection>;
  v1alpha: ServiceImpl<typeof v1alpha.ServerReflection>;
} {
  const files = new Map<string, DescFile>();
  for (const service of services) {
    for (const file of withImports(service.file)) {
      files.set(file.proto.name, file);
    }
  }
  const source: ReflectionSource = {
    serviceNames: services.map((service) => service.typeName),
    files,
    registry: createRegistry(...files.values()),
  };
  return {
    v1: {
      async *serverReflectionInfo(requests) {
        for await (const request of requests) {
          yield create(v1.ServerReflectionResponseSchema, {
            validHost: request.host,
            originalRequest: request,
            ...answer(source, request),
          });
        }
      },
    },
    v1alpha: {
      async *serverReflectionInfo(requests) {
        for await (const request of requests) {
          const body = answer(source, request) as MessageInitShape<typeof v1alpha.ServerReflectionResponseSchema>;
          yield create(v1alpha.ServerReflectionResponseSchema, {
            validHost: request.host,
            originalRequest: request,
            ...body,
          });
        }
      },
    },
  };
}

function answer(source: ReflectionSource, request: Request): ResponseBody {
  const { registry } = source;
  const message = request.messageRequest;
  switch (message.case) {
    case 'listServices':
      return body('listServicesResponse', {
        service: source.serviceNames.map((name) => ({ name })),
      });
    case 'fileByFilename': {
      const file = source.files.get(message.value);
      return file ? files(file) : notFound(`file ${message.value}`);
    }
    case 'fileContainingSymbol': {
      const file = fileOfSymbol(registry, message.value);
      return file ? files(file) : notFound(`symbol ${message.value}`);
    }
    case 'fileContainingExtension': {
      const { containingType, extensionNumber } = message.value;
      const extendee = registry.getMessage(containingType);
      const extension = extendee && registry.getExtensionFor(extendee, extensionNumber);
      return extension ? files(extension.file) : notFound(`extension ${extensionNumber} of ${containingType}`);
    }
    case 'allExtensionNumbersOfType': {
      const type = registry.getMessage(message.value);
      if (!type) {
        return notFound(`type ${message.value}`);
      }
      const extensionNumber: number[] = [];
      for (const desc of registry) {
        if (desc.kind === 'extension' && desc.extendee.typeName === type.typeName) {
          extensionNumber.push(desc.number);
        }
      }
      return body('allExtensionNumbersResponse', { baseTypeName: type.typeName, extensionNumber });
    }
    default:
      return body('errorResponse', {
        errorCode: Code.InvalidArgument,
        errorMessage: 'the request names no reflection query',
      });
  }
}

/** A symbol is a type or service name, or a method name `pkg.Service.Method`. */
function fileOfSymbol(registry: Registry, symbol: string): DescFile | undefined {
  const desc = registry.get(symbol);
  if (desc) {
    return desc.file;
  }
  const dot = symbol.lastIndexOf('.');
  const service = registry.getService(symbol.slice(0, dot));
  return service?.methods.some((m) => m.name === symbol.slice(dot + 1)) ? service.file : undefined;
}

/** The file and everything it imports, transitively, as reflection clients expect. */
function files(root: DescFile): ResponseBody {
  return body('fileDescriptorResponse', {
    fileDescriptorProto: withImports(root).map((file) => toBinary(FileDescriptorProtoSchema, file.proto)),
  });
}

function withImports(root: DescFile): DescFile[] {
  const seen = new Set<DescFile>();
  const visit = (file: DescFile) => {
    if (!seen.has(file)) {
      seen.add(file);
      file.dependencies.forEach(visit);
    }
  };
  visit(root);
  return [...seen];
}

function notFound(what: string): ResponseBody {
  return body('errorResponse', { errorCode: Code.NotFound, errorMessage: `${what} not found` });
}
function body<C extends Case>(kind: C, value: Extract<Response, { case: C }>['value']): ResponseBody {
  return { messageResponse: { case: kind, value } as Response };
}

type Response = NonNullable<ResponseBody['messageResponse']>;
type Case = NonNullable<Response['case']>;
