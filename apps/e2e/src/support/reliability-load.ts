import { status as Status } from '@grpc/grpc-js';
import type { GrpcJsClient } from '@protomesh/testing';

/** One SayHello of a steady load: how it ended, when, and which server instance answered. */
export interface CallRecord {
  readonly code: Status;
  readonly details: string;
  readonly instance: string | undefined;
  readonly startedAt: number;
  readonly endedAt: number;
}

const running = new Set<SteadyLoad>();

/**
 * SayHello calls started at a steady rate from a grpc-js client, as a
 * well-behaved caller would make them while something happens to the
 * servers. The rate is kept by catching up on every tick, so a late timer
 * does not lower it.
 */
export class SteadyLoad {
  readonly records: CallRecord[] = [];
  private readonly pending = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private started = 0;
  private startedAt = 0;
  private stoppedAt = 0;

  constructor(
    private readonly client: GrpcJsClient,
    private readonly perSecond: number,
    private readonly deadlineMs = 5_000,
  ) {}

  start(): this {
    this.startedAt = performance.now();
    this.timer = setInterval(() => this.tick(), 5);
    running.add(this);
    return this;
  }

  /** Stops starting calls; resolves with every call once the last has ended. */
  async stop(): Promise<CallRecord[]> {
    clearInterval(this.timer);
    running.delete(this);
    this.stoppedAt ||= performance.now();
    await Promise.all([...this.pending]);
    return this.records;
  }

  /** Calls started per second, over the time the load ran. */
  achievedRate(): number {
    const seconds = ((this.stoppedAt || performance.now()) - this.startedAt) / 1_000;
    return Math.round(this.started / seconds);
  }

  failures(): CallRecord[] {
    return this.records.filter((record) => record.code !== Status.OK);
  }

  private tick(): void {
    const due = Math.floor(((performance.now() - this.startedAt) * this.perSecond) / 1_000) - this.started;
    for (let i = 0; i < Math.min(due, this.perSecond); i++) {
      this.call();
    }
  }

  private call(): void {
    const startedAt = performance.now();
    const n = this.started++;
    const call = Promise.resolve()
      .then(() => this.client.sayHello(`load-${n}`, this.deadlineMs))
      .then(
        (outcome) => ({
          code: outcome.code,
          details: outcome.details,
          instance: outcome.header?.get('x-server-instance')[0]?.toString(),
        }),
        // A closed client throws rather than fails the call.
        (error: Error) => ({ code: Status.UNKNOWN, details: error.message, instance: undefined }),
      )
      .then((outcome) => {
        this.records.push({ ...outcome, startedAt, endedAt: performance.now() });
        this.pending.delete(call);
      });
    this.pending.add(call);
  }
}

/** Stops every load still running (a test that failed half-way); for afterEach, before closing clients. */
export async function stopLoads(): Promise<void> {
  await Promise.all([...running].map((load) => load.stop()));
}

/** `n` outcomes by code name, for a failure message or a figure: `{ OK: 2480, UNAVAILABLE: 3 }`. */
export function countByCode(records: readonly CallRecord[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const record of records) {
    const name = Status[record.code];
    counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
}
