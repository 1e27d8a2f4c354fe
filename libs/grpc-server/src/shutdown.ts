import type { Logger } from '@protomesh/runtime';
import type { GrpcServer } from './grpc-server.js';

export interface ShutdownTimes {
  /**
   * After the signal, how long the server keeps serving while reporting
   * NOT_SERVING, so that Kubernetes and the mesh stop sending it calls before
   * it refuses any (endpoint removal takes seconds to reach every caller).
   */
  readonly drainDelayMs: number;
  /** Then how long calls in flight may finish. */
  readonly drainTimeoutMs: number;
}

/**
 * SIGTERM or SIGINT: health turns NOT_SERVING at once, calls are still served
 * for `drainDelayMs`, then the drain (GOAWAY, new calls refused) waits up to
 * `drainTimeoutMs` for the calls in flight. A second signal forces it. The
 * process exits 0 after a clean drain and 1 when calls had to be cut off, so
 * an orchestrator's logs tell the two apart.
 */
export function exitOnSignals(
  server: GrpcServer,
  times: ShutdownTimes,
  logger: Logger,
  /** Runs after the drain, before the exit (e.g. flushing telemetry). */
  beforeExit: () => Promise<void> = async () => undefined,
): void {
  let stopping = false;
  let skipDelay: () => void = () => undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: forcing shutdown');
      skipDelay();
      server.force();
      return;
    }
    stopping = true;
    const started = Date.now();
    server.health.shutdown();
    logger.info(
      { signal, drainDelayMs: times.drainDelayMs },
      'health NOT_SERVING, still serving during the drain delay',
    );
    const delay = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, times.drainDelayMs);
      skipDelay = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    void delay
      .then(() => {
        logger.info(
          { drainTimeoutMs: times.drainTimeoutMs },
          'draining: refusing new calls, finishing those in flight',
        );
        return server.drain(times.drainTimeoutMs);
      })
      .then(async (outcome) => {
        const durationMs = Date.now() - started;
        if (outcome === 'drained') {
          logger.info({ durationMs }, 'drained, exiting');
        } else {
          logger.warn({ durationMs }, 'drain cut short, calls in flight were cancelled');
        }
        await beforeExit().catch((err: unknown) => logger.warn({ err }, 'shutdown hook failed'));
        process.exit(outcome === 'drained' ? 0 : 1);
      });
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
