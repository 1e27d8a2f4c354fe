import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http2';
import { inspect } from 'node:util';

/**
 * Headers objects cost microseconds each in Node 20 (every append validates
 * and normalises), a sizeable share of a unary call that costs tens. These
 * subclasses are real `Headers` (instanceof, brand checks, every method), but
 * only fill their internal list when a caller does something other than
 * reading single values: every public method is overridden, and all but
 * `get`/`has` materialise first and then defer to Headers itself. Iteration is
 * overridden too, which is also what undici's HeadersInit conversion uses
 * (`new Headers(lazy)`, fetch init) once the iterator is not Headers' own.
 */

/** Header name and value pairs, names in lower case. */
export type HeaderEntries = readonly (readonly [string, string])[];

// Valid header names (RFC 9110 tokens) as Headers' own check accepts them.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// Names looked up so far, validated and lower-cased once: callers ask the
// same few (trace headers, grpc-*) on every call.
const knownNames = new Map<string, string>();
const KNOWN_NAMES_MAX = 1024;

/** The lower-cased name when `name` is a string Headers would accept as is, else undefined. */
function lookupKey(name: unknown): string | undefined {
  if (typeof name !== 'string') {
    return undefined;
  }
  const known = knownNames.get(name);
  if (known !== undefined || !TOKEN.test(name)) {
    return known;
  }
  const lower = name.toLowerCase();
  if (knownNames.size < KNOWN_NAMES_MAX) {
    knownNames.set(name, lower);
  }
  return lower;
}

/** True for a value Headers would store unchanged (no surrounding HTTP whitespace). */
function isNormalised(value: string): boolean {
  const first = value.charCodeAt(0);
  const last = value.charCodeAt(value.length - 1);
  return first !== 0x20 && first !== 0x09 && last !== 0x20 && last !== 0x09;
}

/**
 * Headers with its members typed as methods: Node's typings declare them as
 * properties, which TypeScript will not let a subclass override or reach
 * through `super`. At run time this is Headers itself.
 */
interface HeadersMethods {
  append(name: string, value: string): void;
  delete(name: string): void;
  get(name: string): string | null;
  has(name: string): boolean;
  set(name: string, value: string): void;
  getSetCookie(): string[];
  forEach(callback: (value: string, key: string, parent: Headers) => void, thisArg?: unknown): void;
  keys(): ReturnType<Headers['keys']>;
  values(): ReturnType<Headers['values']>;
  entries(): ReturnType<Headers['entries']>;
  [Symbol.iterator](): ReturnType<Headers['entries']>;
}
const HeadersBase = Headers as unknown as new () => HeadersMethods;

abstract class DeferredHeaders extends HeadersBase {
  protected abstract materialise(): void;

  override append(name: string, value: string): void {
    this.materialise();
    super.append(name, value);
  }
  override delete(name: string): void {
    this.materialise();
    super.delete(name);
  }
  override get(name: string): string | null {
    this.materialise();
    return super.get(name);
  }
  override has(name: string): boolean {
    this.materialise();
    return super.has(name);
  }
  override set(name: string, value: string): void {
    this.materialise();
    super.set(name, value);
  }
  override getSetCookie(): string[] {
    this.materialise();
    return super.getSetCookie();
  }
  override forEach(callback: (value: string, key: string, parent: Headers) => void, thisArg?: unknown): void {
    this.materialise();
    super.forEach(callback, thisArg);
  }
  override keys(): ReturnType<Headers['keys']> {
    this.materialise();
    return super.keys();
  }
  override values(): ReturnType<Headers['values']> {
    this.materialise();
    return super.values();
  }
  override entries(): ReturnType<Headers['entries']> {
    this.materialise();
    return super.entries();
  }
  override [Symbol.iterator](): ReturnType<Headers['entries']> {
    this.materialise();
    return super.entries();
  }
  [inspect.custom](depth: number, options: object, inspectFn: typeof inspect): string {
    this.materialise();
    const own = (Headers.prototype as unknown as Record<symbol, (...args: unknown[]) => string>)[inspect.custom];
    return own ? own.call(this, depth, options, inspectFn) : `Headers ${inspectFn([...super.entries()], options)}`;
  }
}

/**
 * The request headers of a call, read from Node's header object: what
 * connect-node builds with `nodeHeaderToWebHeader` (pseudo-headers dropped,
 * repeated values appended), built only when needed. Single lookups of valid
 * names are answered from Node's object directly.
 */
export class RequestHeaders extends DeferredHeaders {
  #raw: IncomingHttpHeaders | undefined;

  constructor(raw: IncomingHttpHeaders) {
    super();
    this.#raw = raw;
  }

  override get(name: string): string | null {
    const raw = this.#raw;
    if (raw !== undefined) {
      const key = lookupKey(name);
      if (key !== undefined) {
        const value = raw[key];
        if (value === undefined) {
          return null;
        }
        if (typeof value === 'string' && isNormalised(value)) {
          return value;
        }
      }
    }
    return super.get(name);
  }

  override has(name: string): boolean {
    const raw = this.#raw;
    if (raw !== undefined) {
      const key = lookupKey(name);
      if (key !== undefined) {
        return raw[key] !== undefined;
      }
    }
    return super.has(name);
  }

  protected materialise(): void {
    const raw = this.#raw;
    if (raw === undefined) {
      return;
    }
    this.#raw = undefined;
    for (const name in raw) {
      const value = raw[name];
      if (name.startsWith(':') || value === undefined) {
        continue;
      }
      if (typeof value === 'string') {
        super.append(name, value);
      } else if (typeof value === 'number') {
        super.append(name, String(value));
      } else {
        for (const item of value) {
          super.append(name, item);
        }
      }
    }
  }
}

/**
 * Response headers or trailers that start from a fixed set (content-type, or
 * grpc-status 0). While nobody touches them, `toNode()` returns the node
 * header object prepared once for that set.
 */
export class ResponseHeaders extends DeferredHeaders {
  #preset: HeaderEntries | undefined;

  constructor(preset: HeaderEntries) {
    super();
    this.#preset = preset;
  }

  /** False once a caller has looked at or changed them. */
  get untouched(): boolean {
    return this.#preset !== undefined;
  }

  protected materialise(): void {
    const preset = this.#preset;
    if (preset === undefined) {
      return;
    }
    this.#preset = undefined;
    for (const [name, value] of preset) {
      super.set(name, value);
    }
  }
}

/**
 * Headers as node:http2 takes them, with the same merging as connect-node's
 * `webHeaderToNodeHeaders`: lower-case names, repeated names as arrays.
 * `base` comes first, so a header the handler sets replaces it, as
 * `res.writeHead` does after `res.setHeader`.
 */
export function toNodeHeaders(headers: Headers | HeadersMethods, base: OutgoingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = { ...base };
  const seen = new Set<string>();
  headers.forEach((value, name) => {
    const existing = out[name];
    if (!seen.has(name) || existing === undefined) {
      seen.add(name);
      out[name] = value;
    } else if (Array.isArray(existing)) {
      existing.push(value);
    } else {
      out[name] = [String(existing), value];
    }
  });
  return out;
}
