import type { Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter as OtlpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OtlpProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { defaultResource, detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  type Sampler,
  type SpanExporter,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { ConfigError, type Env, EnvReader } from '@protomesh/runtime';

/** The OpenTelemetry SDK's defaults for the variables read here (the specification's values). */
const OTEL_DEFAULTS = {
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf',
  OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
  OTEL_TRACES_SAMPLER: 'parentbased_always_on',
  OTEL_BSP_SCHEDULE_DELAY: '5000',
  OTEL_BSP_EXPORT_TIMEOUT: '30000',
  OTEL_BSP_MAX_QUEUE_SIZE: '2048',
  OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '512',
};

const SAMPLERS = [
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
  'always_on',
  'always_off',
  'traceidratio',
] as const;
type SamplerName = (typeof SAMPLERS)[number];

const OTLP_PROTOCOLS = ['http/protobuf', 'http/json'] as const;
type OtlpProtocol = (typeof OTLP_PROTOCOLS)[number];

export interface TraceExportConfig {
  /** The variable that switched export on, for the start-up line. */
  readonly endpointSetting: string;
  readonly endpoint: string;
  /** How spans are encoded over OTLP/HTTP. */
  readonly protocol: OtlpProtocol;
  readonly sampler: SamplerName;
  /** OTEL_TRACES_SAMPLER_ARG, the ratio of the ratio samplers. */
  readonly samplerRatio: number;
  readonly batch: {
    readonly scheduledDelayMillis: number;
    readonly exportTimeoutMillis: number;
    readonly maxQueueSize: number;
    readonly maxExportBatchSize: number;
  };
}

/**
 * Reads the standard OpenTelemetry variables. Export is off (undefined)
 * unless OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or OTEL_EXPORTER_OTLP_ENDPOINT is
 * set, and stays off when OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none.
 * Only OTLP over HTTP is built in: OTEL_TRACES_EXPORTER other than otlp/none,
 * or an OTLP protocol of grpc, is a config error rather than silence.
 */
export function readTraceExportConfig(environment: Env): TraceExportConfig | undefined {
  const env = new EnvReader(environment, OTEL_DEFAULTS);
  if (env.raw('OTEL_SDK_DISABLED')?.toLowerCase() === 'true') {
    return undefined;
  }
  const exporters = (env.raw('OTEL_TRACES_EXPORTER') ?? 'otlp').split(',').map((name) => name.trim());
  const unsupported = exporters.find((name) => name !== 'otlp' && name !== 'none');
  if (unsupported !== undefined) {
    throw new ConfigError('OTEL_TRACES_EXPORTER', 'otlp or none', unsupported);
  }
  const endpointSetting = ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'OTEL_EXPORTER_OTLP_ENDPOINT'].find(
    (name) => env.raw(name) !== undefined,
  );
  if (exporters.includes('none') || endpointSetting === undefined) {
    return undefined;
  }
  // Both are checked; the traces-specific one wins when set, as for the endpoint.
  const general = env.oneOf('OTEL_EXPORTER_OTLP_PROTOCOL', OTLP_PROTOCOLS);
  const traces = env.oneOf('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', OTLP_PROTOCOLS);
  return {
    endpointSetting,
    endpoint: env.url(endpointSetting),
    protocol: env.raw('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL') === undefined ? general : traces,
    sampler: env.oneOf('OTEL_TRACES_SAMPLER', SAMPLERS),
    samplerRatio: readRatio(env, 'OTEL_TRACES_SAMPLER_ARG'),
    batch: {
      scheduledDelayMillis: env.integer('OTEL_BSP_SCHEDULE_DELAY', 0, 3_600_000),
      exportTimeoutMillis: env.integer('OTEL_BSP_EXPORT_TIMEOUT', 1, 3_600_000),
      maxQueueSize: env.integer('OTEL_BSP_MAX_QUEUE_SIZE', 1, 1_000_000),
      maxExportBatchSize: env.integer('OTEL_BSP_MAX_EXPORT_BATCH_SIZE', 1, 1_000_000),
    },
  };
}

function createExporter(protocol: OtlpProtocol): SpanExporter {
  return protocol === 'http/protobuf' ? new OtlpProtobufExporter() : new OtlpJsonExporter();
}

function readRatio(env: EnvReader, name: string): number {
  const text = env.raw(name);
  if (text === undefined) {
    return 1;
  }
  const ratio = /^[0-9]*\.?[0-9]+$/.test(text) ? Number(text) : NaN;
  if (!(ratio >= 0 && ratio <= 1)) {
    throw new ConfigError(name, 'a sampling ratio from 0 to 1', text);
  }
  return ratio;
}

function createSampler(name: SamplerName, ratio: number): Sampler {
  const root: Record<string, () => Sampler> = {
    always_on: () => new AlwaysOnSampler(),
    always_off: () => new AlwaysOffSampler(),
    traceidratio: () => new TraceIdRatioBasedSampler(ratio),
  };
  const parentBased = name.startsWith('parentbased_');
  const sampler = root[parentBased ? name.slice('parentbased_'.length) : name]();
  return parentBased ? new ParentBasedSampler({ root: sampler }) : sampler;
}

export interface ServiceIdentity {
  /** service.name unless OTEL_SERVICE_NAME (or service.name in OTEL_RESOURCE_ATTRIBUTES) says otherwise. */
  readonly name: string;
  readonly version: string;
  /** service.instance.id, e.g. the pod name. */
  readonly instance: string;
}

export interface TraceExport {
  readonly config: TraceExportConfig;
  readonly tracer: Tracer;
  /** Exports the spans still queued and stops. */
  shutdown(): Promise<void>;
}

/**
 * Starts span export as `config` (from readTraceExportConfig) says. Endpoint,
 * headers, timeout and compression are read by the OTLP exporter itself from
 * the process's OTEL_EXPORTER_OTLP_* variables, and OTEL_SERVICE_NAME and
 * OTEL_RESOURCE_ATTRIBUTES override `identity`; spans go out over OTLP/HTTP in
 * the encoding `config.protocol` names.
 */
export function startTraceExport(config: TraceExportConfig, identity: ServiceIdentity): TraceExport {
  const resource = defaultResource()
    .merge(
      resourceFromAttributes({
        'service.name': identity.name,
        'service.version': identity.version,
        'service.instance.id': identity.instance,
      }),
    )
    .merge(detectResources({ detectors: [envDetector] }));
  const provider = new TracerProvider({
    resource,
    sampler: createSampler(config.sampler, config.samplerRatio),
    spanProcessors: [new BatchSpanProcessor({ exporter: createExporter(config.protocol), ...config.batch })],
  });
  return {
    config,
    tracer: provider.getTracer('@protomesh/telemetry'),
    shutdown: () => provider.shutdown(),
  };
}
