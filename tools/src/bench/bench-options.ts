import { parseArgs } from 'node:util';
import { ConfigError, EnvReader, type Env } from '@protomesh/runtime';

export interface BenchOptions {
  /** h2load connections (-c). Default 8; flag --connections, env BENCH_CONNECTIONS. */
  connections: number;
  /** Concurrent streams per connection (-m), one scenario each. Default 1,10,100; --streams, BENCH_STREAMS. */
  streams: number[];
  /** Measured period of each run. Default 5s; --duration, BENCH_DURATION. */
  durationMs: number;
  /** Unmeasured load before each run, so the JIT and pools are warm. Default 1s; --warmup, BENCH_WARMUP. */
  warmupMs: number;
  /** Hard limit for the whole benchmark. Default: the planned load time + 60s; --timeout, BENCH_TIMEOUT. */
  timeoutMs: number;
}

const FLAGS = '[--connections N] [--streams 1,10,100] [--duration 5s] [--warmup 1s] [--timeout 2m]';

export const USAGE = `usage: npm run bench -- ${FLAGS}`;

const settings = {
  connections: 'BENCH_CONNECTIONS',
  streams: 'BENCH_STREAMS',
  duration: 'BENCH_DURATION',
  warmup: 'BENCH_WARMUP',
  timeout: 'BENCH_TIMEOUT',
} as const;

type Setting = keyof typeof settings;

/** Planned time under load: every scenario against every server, warm-up included. */
export function plannedLoadMs(options: Omit<BenchOptions, 'timeoutMs'>, serverCount: number): number {
  return options.streams.length * serverCount * (options.durationMs + options.warmupMs);
}

/** Reads options from flags, falling back to the environment; a bad value throws a ConfigError naming it. */
export function readBenchOptions(argv: readonly string[], env: Env, serverCount: number): BenchOptions | 'help' {
  const flags = parseFlags(argv);
  if (flags.help) {
    return 'help';
  }
  // A value is checked under the name the user wrote it as, so an error names that.
  const read = <T>(setting: Setting, fallback: string, parse: (reader: EnvReader, name: string) => T): T => {
    const flag = flags[setting];
    return flag === undefined
      ? parse(new EnvReader(env, { [settings[setting]]: fallback }), settings[setting])
      : parse(new EnvReader({ [`--${setting}`]: flag }), `--${setting}`);
  };
  const load = {
    connections: read('connections', '8', (r, name) => r.integer(name, 1, 1000)),
    streams: read('streams', '1,10,100', (r, name) => streamList(name, r.string(name))),
    durationMs: read('duration', '5s', (r, name) => r.duration(name, 1_000, 600_000)),
    warmupMs: read('warmup', '1s', (r, name) => r.duration(name, 0, 60_000)),
  };
  const timeoutMs = read('timeout', `${plannedLoadMs(load, serverCount) + 60_000}ms`, (r, name) =>
    r.duration(name, 10_000, 3_600_000),
  );
  return { ...load, timeoutMs };
}

function parseFlags(argv: readonly string[]): Partial<Record<Setting, string>> & { help?: boolean } {
  const options = Object.fromEntries(Object.keys(settings).map((name) => [name, { type: 'string' as const }]));
  try {
    return parseArgs({ args: [...argv], options: { ...options, help: { type: 'boolean' } }, strict: true }).values;
  } catch {
    throw new ConfigError('arguments', FLAGS, argv.join(' '));
  }
}

function streamList(name: string, text: string): number[] {
  const values = text.split(',').map((part) => (/^[0-9]+$/.test(part.trim()) ? Number(part) : NaN));
  if (values.some((value) => !(value >= 1 && value <= 1000))) {
    throw new ConfigError(name, 'a comma-separated list of integers from 1 to 1000 such as 1,10,100', text);
  }
  return values;
}
