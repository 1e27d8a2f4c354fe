import { createClient } from '@connectrpc/connect';
import { createGrpcTransport } from '@connectrpc/connect-node';
import { createRetryInterceptor } from '@protomesh/grpc-client';
import { GreeterService } from '@protomesh/proto/greeter/v1';
import { createLogger, runMain } from '@protomesh/runtime';
import { readTelemetryConfig } from '@protomesh/telemetry';
import { runCallLoop } from './call-loop.js';
import { readClientConfig } from './config.js';
import { startClientTelemetry } from './telemetry.js';

runMain(async () => {
  const config = readClientConfig(process.env);
  const telemetryConfig = readTelemetryConfig(process.env);
  const logger = createLogger('greeter-client', config.logLevel);
  const telemetry = await startClientTelemetry(telemetryConfig, logger);
  const transport = createGrpcTransport({
    baseUrl: config.serverUrl,
    interceptors: [telemetry.interceptor, createRetryInterceptor({ maxAttempts: config.maxAttempts })],
  });
  const client = createClient(GreeterService, transport);
  const stop = new AbortController();
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      logger.info({ signal }, 'stopping');
      stop.abort();
    });
  }
  logger.info(
    { serverUrl: config.serverUrl, intervalMs: config.intervalMs, timeoutMs: config.timeoutMs, count: config.count },
    'greeter client started',
  );
  const allAsExpected = await runCallLoop(client, config, logger, stop.signal);
  await telemetry.shutdown();
  process.exit(allAsExpected ? 0 : 1);
});
