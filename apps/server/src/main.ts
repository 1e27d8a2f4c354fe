import { readServiceConfig, startService } from '@protomesh/grpc-server';
import { GreeterService } from '@protomesh/proto/greeter/v1';
import { runMain } from '@protomesh/runtime';
import { readTelemetryConfig } from '@protomesh/telemetry';
import { version } from '../package.json';
import { greeterService } from './greeter-service.js';

runMain(async () => {
  const config = readServiceConfig(process.env, version);
  await startService({
    name: 'greeter-server',
    description: 'greeter server',
    config,
    telemetry: readTelemetryConfig(process.env, { PORT: config.port }),
    routes: (router) => router.service(GreeterService, greeterService),
  });
});
