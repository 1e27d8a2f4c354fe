import type { BundleProcess } from './bundle-process.js';

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** Reads the samples of a Prometheus text exposition (label values without escapes). */
export function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match === null) {
      continue;
    }
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="([^"]*)"/g)) {
      labels[key] = value;
    }
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return samples;
}

/** The value of the sample with exactly this name and label set, if present. */
export function sampleValue(
  samples: readonly Sample[],
  name: string,
  labels: Record<string, string>,
): number | undefined {
  const wanted = JSON.stringify(Object.entries(labels).sort());
  return samples.find((s) => s.name === name && JSON.stringify(Object.entries(s.labels).sort()) === wanted)?.value;
}

/**
 * The sample names a Prometheus text exposition declares: every `# TYPE`
 * line, histograms and summaries with their series suffixes, so that a
 * metric counts even before its first sample.
 */
export function declaredMetrics(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const [, name, type] of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name);
    if (type === 'histogram') {
      names.add(`${name}_bucket`).add(`${name}_sum`).add(`${name}_count`);
    } else if (type === 'summary') {
      names.add(`${name}_sum`).add(`${name}_count`);
    }
  }
  return names;
}

/** Waits for a bundle's "metrics on <url>" line; returns the URL on 127.0.0.1. */
export async function metricsUrl(process: BundleProcess): Promise<URL> {
  const line = await process.waitForLine((l) => typeof l.msg === 'string' && l.msg.startsWith('metrics on '), 5_000);
  const url = new URL(String(line.url));
  url.hostname = '127.0.0.1';
  return url;
}
