import type { BundleProcess } from '@protomesh/testing';

/** Waits for a bundle's "metrics on <url>" line; returns the URL on 127.0.0.1. */
export async function metricsUrl(process: BundleProcess): Promise<URL> {
  const line = await process.waitForLine((l) => typeof l.msg === 'string' && l.msg.startsWith('metrics on '), 5_000);
  const url = new URL(String(line.url));
  url.hostname = '127.0.0.1';
  return url;
}
