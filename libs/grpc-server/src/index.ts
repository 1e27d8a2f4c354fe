export type { FaultSpec } from './fault.js';
export { createGrpcServer, type DrainOutcome, type GrpcServer } from './grpc-server.js';
export type { HealthRegistry } from './health.js';
export type { GrpcServerOptions } from './server-options.js';
export { type RunningService, type ServiceOptions, startService } from './service.js';
export { readServiceConfig, SERVICE_DEFAULTS, type ServiceConfig } from './service-config.js';
