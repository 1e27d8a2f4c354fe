import { type CallOutcome, errorType, type RpcSide } from '@protomesh/grpc-core';
import { Counter, Gauge, Histogram, type LabelValues, type Registry } from 'prom-client';
import { MethodLabels, RPC_SYSTEM_NAME } from './rpc-labels.js';

/**
 * Boundaries in seconds. A superset of those OpenTelemetry advises for
 * `rpc.*.call.duration` (5 ms to 10 s), extended below 5 ms because a healthy
 * call takes a fraction of a millisecond, filled in between 5 s and 10 s where
 * injected delays and deadlines sit, and continued to 30 s for longer deadlines.
 */
export const CALL_DURATION_BUCKETS: readonly number[] = [
  0.0001, 0.00025, 0.0005, 0.00075, 0.001, 0.0025, 0.005, 0.0075, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1,
  2.5, 5, 6, 7, 7.5, 8, 9, 10, 15, 30,
];

/**
 * Prometheus names of the OpenTelemetry RPC instruments: dots become
 * underscores and the unit `s` becomes the `_seconds` suffix, as the
 * OpenTelemetry-to-Prometheus mapping does. The active-call gauges and the
 * attempts counter have no OpenTelemetry instrument; they follow the same
 * scheme (`rpc.{side}.active_calls` after `http.server.active_requests`).
 */
export const RPC_METRIC_NAMES = {
  server: {
    duration: 'rpc_server_call_duration_seconds',
    active: 'rpc_server_active_calls',
  },
  client: {
    duration: 'rpc_client_call_duration_seconds',
    active: 'rpc_client_active_calls',
    attempts: 'rpc_client_call_attempts_total',
  },
} as const;

const CALL_LABELS = ['rpc_system_name', 'rpc_method', 'rpc_status_code', 'error_type'] as const;
const ACTIVE_LABELS = ['rpc_system_name', 'rpc_method'] as const;

export interface RpcMetricsOptions {
  /** Where the metrics are registered. */
  registry: Registry;
  /** Distinct methods reported by name before the rest fold into `_OTHER`. Default 100. */
  maxMethods?: number;
}

/** Ends a call: how it ended and, on the client, the attempts it took. */
export type EndCall = (outcome: CallOutcome, attempts?: number) => void;

/**
 * Duration, outcome and concurrency of the calls one side of a connection
 * makes or serves. The histogram's `_count` series is the call counter by
 * status code, so no separate counter duplicates it.
 */
export class RpcMetrics {
  private readonly duration: Histogram<(typeof CALL_LABELS)[number]>;
  private readonly attempts?: Counter<(typeof CALL_LABELS)[number]>;
  private readonly methods: MethodLabels;
  private readonly series = new Map<string, MethodSeries>();

  constructor(
    readonly side: RpcSide,
    options: RpcMetricsOptions,
  ) {
    const registers = [options.registry];
    const direction = side === 'server' ? 'incoming' : 'outgoing';
    this.methods = new MethodLabels(options.maxMethods);
    this.duration = new Histogram({
      name: RPC_METRIC_NAMES[side].duration,
      help: `Duration of ${direction} RPCs in seconds (OpenTelemetry rpc.${side}.call.duration).`,
      labelNames: CALL_LABELS,
      buckets: [...CALL_DURATION_BUCKETS],
      registers,
    });
    const series = this.series;
    new Gauge({
      name: RPC_METRIC_NAMES[side].active,
      help: `${direction === 'incoming' ? 'Incoming' : 'Outgoing'} RPCs in flight.`,
      labelNames: ACTIVE_LABELS,
      registers,
      // Read at scrape time: a plain count per method costs a call nothing,
      // where a gauge update hashes its labels twice per call.
      collect() {
        for (const [method, { active }] of series) {
          this.set({ rpc_system_name: RPC_SYSTEM_NAME, rpc_method: method }, active.count);
        }
      },
    });
    if (side === 'client') {
      this.attempts = new Counter({
        name: RPC_METRIC_NAMES.client.attempts,
        help: 'Attempts made by finished outgoing RPCs, retries included, by the final status.',
        labelNames: CALL_LABELS,
        registers,
      });
    }
  }

  /** Counts a call as in flight and starts its clock; call the result exactly once. */
  start(method: string): EndCall {
    const series = this.seriesOf(method);
    series.active.count++;
    const started = performance.now();
    let ended = false;
    return (outcome, attempts) => {
      if (ended) {
        return;
      }
      ended = true;
      series.active.count--;
      const ending = series.ending(outcome);
      ending.duration.observe((performance.now() - started) / 1000);
      if (ending.attempts && attempts !== undefined && attempts > 0) {
        ending.attempts.inc(attempts);
      }
    };
  }

  /**
   * The label-bound series of a method, made once: prom-client hashes a label
   * set on every update otherwise, a sizeable part of a call that takes tens
   * of microseconds.
   */
  private seriesOf(method: string): MethodSeries {
    const label = this.methods.label(method);
    let series = this.series.get(label);
    if (series === undefined) {
      const base = { rpc_system_name: RPC_SYSTEM_NAME, rpc_method: label };
      const endings = new Map<string, Ending>();
      series = {
        active: { count: 0 },
        ending: (outcome) => {
          const type = errorType(this.side, outcome);
          const key = type === undefined ? outcome.status : `${outcome.status}/${type}`;
          let ending = endings.get(key);
          if (ending === undefined) {
            const labels: LabelValues<CallLabel> = { ...base, rpc_status_code: outcome.status };
            if (type !== undefined) {
              labels.error_type = type;
            }
            ending = { duration: this.duration.labels(labels), attempts: this.attempts?.labels(labels) };
            endings.set(key, ending);
          }
          return ending;
        },
      };
      this.series.set(label, series);
    }
    return series;
  }
}

type CallLabel = (typeof CALL_LABELS)[number];

interface Ending {
  readonly duration: { observe(seconds: number): void };
  readonly attempts?: { inc(value: number): void };
}

interface MethodSeries {
  /** Calls in flight. */
  readonly active: { count: number };
  readonly ending: (outcome: CallOutcome) => Ending;
}
