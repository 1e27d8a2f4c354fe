export * from './config-error.js';
export * from './duration.js';
export * from './env.js';
export * from './grpc-status.js';
export * from './logger.js';
export * from './main-runner.js';
export * from './sleep.js';
