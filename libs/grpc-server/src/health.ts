import type { ServiceImpl } from '@connectrpc/connect';
import { Code, ConnectError } from '@connectrpc/connect';
import { Health, HealthCheckResponse_ServingStatus as ServingStatus } from '@protomesh/proto/grpc/health/v1';

/**
 * The serving status of each service, as reported by grpc.health.v1.Health.
 * `""` stands for the whole server. Once shut down (a drain has begun) every
 * service reports NOT_SERVING and further updates are ignored, so a late
 * `setStatus(SERVING)` cannot undo a drain.
 */
export class HealthRegistry {
  private readonly statuses = new Map<string, ServingStatus>();
  private shutDown = false;
  private generation = 0;
  private resolveChanged: () => void = () => undefined;
  private changed = this.newChangePromise();

  constructor() {
    this.statuses.set('', ServingStatus.SERVING);
  }

  /** Adds a service, SERVING unless the server is already draining. */
  register(service: string): void {
    if (!this.statuses.has(service)) {
      this.statuses.set(service, this.shutDown ? ServingStatus.NOT_SERVING : ServingStatus.SERVING);
      this.notify();
    }
  }

  get isShutDown(): boolean {
    return this.shutDown;
  }

  /** The status of a service, or undefined for a service nobody registered. */
  status(service: string): ServingStatus | undefined {
    return this.statuses.get(service);
  }

  entries(): ReadonlyMap<string, ServingStatus> {
    return this.statuses;
  }

  setStatus(service: string, status: ServingStatus): void {
    if (this.shutDown || this.statuses.get(service) === status) {
      return;
    }
    this.statuses.set(service, status);
    this.notify();
  }

  /** Marks every service NOT_SERVING for good: the server is draining. */
  shutdown(): void {
    if (this.shutDown) {
      return;
    }
    for (const service of this.statuses.keys()) {
      this.statuses.set(service, ServingStatus.NOT_SERVING);
    }
    this.shutDown = true;
    this.notify();
  }

  /** A counter that grows on every change; compare to detect missed updates. */
  get version(): number {
    return this.generation;
  }

  /** Resolves on the next change, or when the signal aborts. */
  nextChange(signal: AbortSignal): Promise<void> {
    if (signal.aborted) {
      return Promise.resolve();
    }
    let onAbort = () => undefined as void;
    const aborted = new Promise<void>((resolve) => (onAbort = resolve));
    signal.addEventListener('abort', onAbort, { once: true });
    return Promise.race([this.changed, aborted]).finally(() => signal.removeEventListener('abort', onAbort));
  }

  private newChangePromise(): Promise<void> {
    return new Promise<void>((resolve) => (this.resolveChanged = resolve));
  }

  private notify(): void {
    this.generation++;
    const resolvePrevious = this.resolveChanged;
    this.changed = this.newChangePromise();
    resolvePrevious();
  }
}

/**
 * grpc.health.v1.Health backed by a registry. Watch streams send the current
 * status, then every change; when the server drains they send NOT_SERVING and
 * end, so a watcher learns of the drain instead of holding the connection open.
 */
export function createHealthService(registry: HealthRegistry): ServiceImpl<typeof Health> {
  return {
    check(request) {
      const status = registry.status(request.service);
      if (status === undefined) {
        throw new ConnectError(`unknown service ${JSON.stringify(request.service)}`, Code.NotFound);
      }
      return { status };
    },
    list() {
      const statuses: Record<string, { status: ServingStatus }> = {};
      for (const [service, status] of registry.entries()) {
        statuses[service] = { status };
      }
      return { statuses };
    },
    async *watch(request, context) {
      let sent: ServingStatus | undefined;
      while (!context.signal.aborted) {
        const seen = registry.version;
        const status = registry.status(request.service) ?? ServingStatus.SERVICE_UNKNOWN;
        if (status !== sent) {
          yield { status };
          sent = status;
        }
        if (registry.isShutDown) {
          return;
        }
        if (registry.version === seen) {
          await registry.nextChange(context.signal);
        }
      }
    },
  };
}
