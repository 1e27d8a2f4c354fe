export { createFaultInterceptor, describeFault, type FaultSpec, isFaultActive, readFaultSpec } from './fault.js';
export { createGrpcServer, type DrainOutcome, type GrpcServer } from './grpc-server.js';
export type { HealthRegistry } from './health.js';
export type { GrpcServerOptions } from './server-options.js';
export { exitOnSignals } from './shutdown.js';
