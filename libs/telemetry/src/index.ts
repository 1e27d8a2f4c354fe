export { traceIdKey } from './client-interceptor.js';
export { withTraceContext } from './log-context.js';
export { DEFAULT_METRICS_PORT, METRICS_PATH } from './metrics-server.js';
export { startTelemetry, type Telemetry } from './telemetry.js';
export { readTelemetryConfig, TELEMETRY_DEFAULTS, type TelemetryConfig } from './telemetry-config.js';
