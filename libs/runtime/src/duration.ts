/**
 * Durations use the form Istio and Kubernetes users already write:
 * a non-negative decimal number followed by one unit, e.g. `500ms`, `2s`,
 * `1.5m`, `1h`. The same pattern guards the Helm chart's values schema.
 */
export const DURATION_PATTERN = '^[0-9]+(\\.[0-9]+)?(ms|s|m|h)$';

export const DURATION_FORM = 'a duration such as 500ms, 2s, 1m or 1h';

const unitMs: Record<string, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
};

const durationRegExp = new RegExp(DURATION_PATTERN);

/** Parses a duration to whole milliseconds, or returns undefined when malformed. */
export function parseDuration(text: string): number | undefined {
  const match = durationRegExp.exec(text.trim());
  if (!match) {
    return undefined;
  }
  const unit = match[2];
  const amount = Number(text.trim().slice(0, -unit.length));
  return Math.round(amount * unitMs[unit]);
}
