import { ConfigError } from './config-error.js';
import { DURATION_FORM, parseDuration } from './duration.js';

export type Env = Readonly<Record<string, string | undefined>>;

/**
 * Typed readers over an environment. A variable that is unset or empty takes
 * its default from `defaults`, written as a user would write the variable, so
 * that a program states each default once and a defaults table (the README's)
 * can be checked against it. A value that is set but malformed throws a
 * ConfigError naming the variable. Programs read all settings once at start
 * into a typed object, so a bad value stops them before they serve anything.
 */
export class EnvReader {
  constructor(
    private readonly env: Env,
    private readonly defaults: Env = {},
  ) {}

  /** The value as set, or undefined when unset or empty (defaults are not consulted). */
  raw(name: string): string | undefined {
    const value = this.env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  }

  string(name: string): string {
    return this.text(name);
  }

  integer(name: string, min: number, max: number): number {
    const text = this.text(name);
    const value = /^-?[0-9]+$/.test(text) ? Number(text) : NaN;
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      throw new ConfigError(name, `an integer from ${min} to ${max}`, text);
    }
    return value;
  }

  /** A percentage 0–100 with decimals, as Istio's `percentage.value`. */
  percent(name: string): number {
    const text = this.text(name);
    const value = /^[0-9]+(\.[0-9]+)?$/.test(text) ? Number(text) : NaN;
    if (!(value >= 0 && value <= 100)) {
      throw new ConfigError(name, 'a percentage from 0 to 100', text);
    }
    return value;
  }

  /** A duration in milliseconds, bounded to [minMs, maxMs]. */
  duration(name: string, minMs = 0, maxMs = Number.MAX_SAFE_INTEGER): number {
    const text = this.text(name);
    const ms = parseDuration(text);
    if (ms === undefined || ms < minMs || ms > maxMs) {
      throw new ConfigError(name, `${DURATION_FORM}, from ${minMs}ms to ${maxMs}ms`, text);
    }
    return ms;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[]): T {
    const text = this.text(name);
    if (!allowed.includes(text as T)) {
      throw new ConfigError(name, `one of ${allowed.join(', ')}`, text);
    }
    return text as T;
  }

  /** An absolute http:// or https:// URL. */
  url(name: string): string {
    const text = this.text(name);
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

  /** The value as set, else the default; a setting with neither is a programming error. */
  private text(name: string): string {
    const text = this.raw(name) ?? this.defaults[name];
    if (text === undefined) {
      throw new Error(`${name} has no value and no default: read optional settings with raw()`);
    }
    return text;
  }
}
