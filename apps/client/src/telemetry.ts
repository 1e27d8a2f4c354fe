import type { Logger } from '@protomesh/runtime';
import { startTelemetry, type Telemetry, type TelemetryConfig } from '@protomesh/telemetry';
import { hostname } from 'node:os';
import { version } from '../package.json';

const SERVICE_NAME = 'greeter-client';

/**
 * Metrics on METRICS_PORT, client spans when OTEL_* asks for them, and the
 * interceptor to put before the retry interceptor, so that it times whole
 * calls and counts their attempts.
 */
export function startClientTelemetry(telemetryConfig: TelemetryConfig, logger: Logger): Promise<Telemetry> {
  return startTelemetry({
    side: 'client',
    service: { name: SERVICE_NAME, version, instance: hostname() },
    config: telemetryConfig,
    logger,
  });
}
