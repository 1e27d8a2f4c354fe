export * from './grpc-timeout.js';
export * from './retry.js';
