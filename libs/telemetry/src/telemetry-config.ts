import { ConfigError, type Env, EnvReader } from '@protomesh/runtime';
import { DEFAULT_METRICS_PORT } from './metrics-server.js';
import { readTraceExportConfig, type TraceExportConfig } from './trace-export.js';

/** The defaults of the settings every app's telemetry reads. */
export const TELEMETRY_DEFAULTS = { METRICS_PORT: String(DEFAULT_METRICS_PORT) } as const;

export interface TelemetryConfig {
  /** METRICS_PORT; 0 picks a free one. */
  readonly metricsPort: number;
  /** The OTEL_* trace export settings; undefined when export is off. */
  readonly traceExport: TraceExportConfig | undefined;
}

/**
 * Reads an app's telemetry settings. `portsInUse` names the app's other
 * ports (e.g. `{ PORT: 8080 }`), which METRICS_PORT must not reuse: the
 * metrics server speaks HTTP/1.1 and never shares the gRPC port.
 */
export function readTelemetryConfig(
  environment: Env,
  portsInUse: Readonly<Record<string, number>> = {},
): TelemetryConfig {
  const env = new EnvReader(environment, TELEMETRY_DEFAULTS);
  const metricsPort = env.integer('METRICS_PORT', 0, 65535);
  const clash = Object.entries(portsInUse).find(([, port]) => port !== 0 && port === metricsPort);
  if (clash !== undefined) {
    throw new ConfigError('METRICS_PORT', `a port other than ${clash[0]} (${clash[1]})`, String(metricsPort));
  }
  return { metricsPort, traceExport: readTraceExportConfig(environment) };
}
