import type { Logger } from '@protomesh/runtime';
import type { GrpcServer } from './grpc-server.js';

/**
 * SIGTERM or SIGINT starts a drain bounded by `drainTimeoutMs`; a second
 * signal forces it. The process exits 0 after a clean drain and 1 when calls
 * had to be cut off, so an orchestrator's logs tell the two apart.
 */
export function exitOnSignals(
  server: GrpcServer,
  drainTimeoutMs: number,
  logger: Logger,
  /** Runs after the drain, before the exit (e.g. flushing telemetry). */
  beforeExit: () => Promise<void> = async () => undefined,
): void {
  let draining = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (draining) {
      logger.warn({ signal }, 'second signal: forcing shutdown');
      server.force();
      return;
    }
    draining = true;
    logger.info({ signal, drainTimeoutMs }, 'draining: health NOT_SERVING, refusing new calls');
    const started = Date.now();
    void server.drain(drainTimeoutMs).then(async (outcome) => {
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
