/**
 * The options that are set: `{ ...defaults, ...definedOnly(options) }` keeps
 * a default where a caller passed `undefined` explicitly, which a plain spread
 * would replace.
 */
export function definedOnly<T extends object>(options: T): T {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as T;
}
