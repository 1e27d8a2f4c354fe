import type { Logger } from '@protomesh/runtime';
import { startTelemetry, type Telemetry, type TelemetryConfig } from '@protomesh/telemetry';
import type { ServerConfig } from './config.js';

export const SERVICE_NAME = 'greeter-server';

/**
 * Metrics on METRICS_PORT (same interface as the gRPC port), server spans
 * when OTEL_* asks for them, and the interceptor to put outermost.
 */
export async function startServerTelemetry(
  config: ServerConfig,
  telemetryConfig: TelemetryConfig,
  logger: Logger,
): Promise<Telemetry> {
  const telemetry = await startTelemetry({
    side: 'server',
    service: { name: SERVICE_NAME, version: config.version, instance: config.instance },
    config: telemetryConfig,
    metricsHost: config.host,
    logger,
  });
  return telemetry;
}
