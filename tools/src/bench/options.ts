import { parseArgs } from 'node:util';
import { ConfigError, EnvReader, type Env } from '@protomesh/runtime';

/** Each option: flag, environment variable, default as a user writes it (the limit: planned time + 60s a round). */
const SETTINGS = {
  connections: ['BENCH_CONNECTIONS', '8'],
  streams: ['BENCH_STREAMS', '10,100'],
  duration: ['BENCH_DURATION', '3s'],
  rounds: ['BENCH_ROUNDS', '3'],
  warmup: ['BENCH_WARMUP', '1s'],
  timeout: ['BENCH_TIMEOUT', ''],
} as const;
type Flag = keyof typeof SETTINGS;

const FLAGS = '[--connections 8] [--streams 10,100] [--duration 3s] [--rounds 3] [--warmup 1s] [--timeout 3m]';

type Plan = { streams: number[]; durationMs: number; rounds: number; warmupMs: number };

/** Time under load: per server and round, each h2load load after its warm-up; a ghz run in the first. */
export function plannedLoadMs(o: Plan, servers: number) {
  return servers * (o.rounds * o.streams.length * (o.warmupMs + o.durationMs) + o.durationMs);
}

/** Flags over the environment over the defaults; a bad value throws a ConfigError naming the flag or variable. */
export function readBenchOptions(argv: readonly string[], env: Env, servers: number) {
  let flags: Record<string, string | undefined>;
  try {
    const options = Object.fromEntries(Object.keys(SETTINGS).map((flag) => [flag, { type: 'string' as const }]));
    flags = parseArgs({ args: [...argv], options }).values;
  } catch {
    throw new ConfigError('arguments', FLAGS, argv.join(' '));
  }
  // A value is read under the name it was given as, flag or variable, so that an error names that.
  const name = (flag: Flag) => (flags[flag] === undefined ? SETTINGS[flag][0] : `--${flag}`);
  const given = Object.fromEntries(Object.entries(flags).map(([flag, value]) => [`--${flag}`, value]));
  const defaults = Object.fromEntries(Object.entries(SETTINGS).map(([flag, [, value]]) => [name(flag as Flag), value]));
  const reader = new EnvReader({ ...env, ...given }, defaults);
  const load = {
    connections: reader.integer(name('connections'), 1, 1000),
    streams: streamList(name('streams'), reader.string(name('streams'))),
    durationMs: reader.duration(name('duration'), 1_000, 600_000),
    rounds: reader.integer(name('rounds'), 1, 20),
    warmupMs: reader.duration(name('warmup'), 0, 60_000),
  };
  const timeoutMs = reader.raw(name('timeout'))
    ? reader.duration(name('timeout'), 10_000, 3_600_000)
    : plannedLoadMs(load, servers) + 60_000 * load.rounds;
  return { ...load, timeoutMs };
}

function streamList(name: string, text: string): number[] {
  const values = text.split(',').map((part) => (/^\s*[0-9]+\s*$/.test(part) ? Number(part) : NaN));
  if (!values.every((value) => value >= 1 && value <= 1000)) {
    throw new ConfigError(name, 'a comma-separated list of integers from 1 to 1000 such as 10,100', text);
  }
  return values;
}
