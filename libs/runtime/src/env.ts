import { ConfigError } from './config-error.js';
import { DURATION_FORM, parseDuration } from './duration.js';

export type Env = Readonly<Record<string, string | undefined>>;

/**
 * Typed readers over an environment. Each returns the default when the
 * variable is unset or empty, and throws a ConfigError naming the variable
 * when it is set but malformed. Programs read all settings once at start into
 * a typed object, so a bad value stops them before they serve anything.
 */
export class EnvReader {
  constructor(private readonly env: Env) {}

  /** The raw value, or undefined when unset or empty. */
  raw(name: string): string | undefined {
    const value = this.env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  }

  string(name: string, fallback: string): string {
    return this.raw(name) ?? fallback;
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    const text = this.raw(name);
    if (text === undefined) {
      return fallback;
    }
    const value = /^-?[0-9]+$/.test(text) ? Number(text) : NaN;
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      throw new ConfigError(name, `an integer from ${min} to ${max}`, text);
    }
    return value;
  }

  /** A percentage 0–100 with decimals, as Istio's `percentage.value`. */
  percent(name: string, fallback: number): number {
    const text = this.raw(name);
    if (text === undefined) {
      return fallback;
    }
    const value = /^[0-9]+(\.[0-9]+)?$/.test(text) ? Number(text) : NaN;
    if (!(value >= 0 && value <= 100)) {
      throw new ConfigError(name, 'a percentage from 0 to 100', text);
    }
    return value;
  }

  /** A duration in milliseconds, bounded to [minMs, maxMs]. */
  duration(name: string, fallbackMs: number, minMs = 0, maxMs = Number.MAX_SAFE_INTEGER): number {
    const text = this.raw(name);
    if (text === undefined) {
      return fallbackMs;
    }
    const ms = parseDuration(text);
    if (ms === undefined || ms < minMs || ms > maxMs) {
      throw new ConfigError(name, `${DURATION_FORM}, from ${minMs}ms to ${maxMs}ms`, text);
    }
    return ms;
  }

  oneOf<T extends string>(name: string, fallback: T, allowed: readonly T[]): T {
    const text = this.raw(name);
    if (text === undefined) {
      return fallback;
    }
    if (!allowed.includes(text as T)) {
      throw new ConfigError(name, `one of ${allowed.join(', ')}`, text);
    }
    return text as T;
  }

  /** An absolute http:// or https:// URL. */
  url(name: string, fallback: string): string {
    const text = this.string(name, fallback);
    let parsed: URL | undefined;
    try {
      parsed = new URL(text);
    } catch {
      parsed = undefined;
    }
    if (!parsed || !/^https?:$/.test(parsed.protocol)) {
      throw new ConfigError(name, 'an http:// or https:// URL such as http://localhost:8080', text);
    }
    return text;
  }
}
