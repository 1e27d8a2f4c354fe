export * from './errors.js';
export * from './fault.js';
export * from './grpc-server.js';
export * from './health.js';
export * from './server-options.js';
export * from './shutdown.js';
