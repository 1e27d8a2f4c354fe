import type { ServiceImpl } from '@connectrpc/connect';
import { InvalidFieldError } from '@protomesh/grpc-core';
import { GreeterService } from '@protomesh/proto/greeter/v1';

export const MAX_NAME_LENGTH = 256;

export const greeterService: ServiceImpl<typeof GreeterService> = {
  sayHello(request) {
    validateName(request.name);
    return { message: `Hello, ${request.name}!` };
  },
};

function validateName(name: string): void {
  if (name.trim() === '') {
    throw new InvalidFieldError('name', 'must not be empty');
  }
  const length = [...name].length;
  if (length > MAX_NAME_LENGTH) {
    throw new InvalidFieldError('name', `must be at most ${MAX_NAME_LENGTH} characters, got ${length}`);
  }
}
