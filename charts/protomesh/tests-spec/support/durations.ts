import { parseDuration } from '@protomesh/runtime';
import type { Manifest } from './helm.ts';

/**
 * Istio fields holding a google.protobuf.Duration written as a string (Istio
 * parses them with Go's time.ParseDuration and refuses anything under 1ms).
 * The models type them as plain strings, so "10" or "1d" would pass them.
 */
const ISTIO_DURATION_FIELD =
  /^(timeout|perTryTimeout|fixedDelay|exponentialDelay|interval|baseEjectionTime|maxAge|idleTimeout|connectTimeout|tcpKeepaliveTime|[a-z]+Duration)$/;

/** The apps' environment variables that hold durations (read with parseDuration). */
const DURATION_ENV = new Set(['DRAIN_TIMEOUT', 'MAX_DEADLINE', 'INTERVAL', 'TIMEOUT', 'FAULT_DELAY']);

/** Every malformed duration in a rendered document, as "<path>: <value>". */
export function durationViolations(doc: Manifest): string[] {
  const violations: string[] = [];
  const visit = (value: unknown, path: string, key: string): void => {
    if (Array.isArray(value)) {
      value.forEach((item, index) => visit(item, `${path}[${index}]`, key));
      return;
    }
    if (value !== null && typeof value === 'object') {
      const record = value as Record<string, unknown>;
      // A container env item: {name, value}.
      if (typeof record['name'] === 'string' && DURATION_ENV.has(record['name']) && 'value' in record) {
        check(`${path}(${record['name']})`, record['value'], 0);
      }
      for (const [child, childValue] of Object.entries(record)) {
        visit(childValue, `${path}.${child}`, child);
      }
      return;
    }
    if (doc.apiVersion.includes('istio.io') && ISTIO_DURATION_FIELD.test(key)) {
      check(path, value, 1);
    }
  };
  const check = (path: string, value: unknown, minMs: number): void => {
    const ms = typeof value === 'string' ? parseDuration(value) : undefined;
    if (ms === undefined || ms < minMs) {
      violations.push(`${path}: ${JSON.stringify(value)}`);
    }
  };
  visit(doc, `${doc.kind}/${doc.metadata.name}`, '');
  return violations;
}
