import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { unusedPort } from './bundle-process.js';

/** Debian's prometheus package, installed by .ci/run. */
export const PROMETHEUS_BINARY = '/usr/bin/prometheus';

export interface ScrapeTarget {
  /** `host:port` of a /metrics endpoint. */
  readonly address: string;
  readonly labels: Readonly<Record<string, string>>;
}

export interface VectorSample {
  readonly metric: Record<string, string>;
  readonly value: number;
}

export interface ActiveTarget {
  readonly labels: Record<string, string>;
  readonly scrapeUrl: string;
  readonly health: 'up' | 'down' | 'unknown';
  readonly lastError: string;
}

/** One static scrape_config per job, as the apps' suites scrape their bundles. */
export function staticScrapeConfigs(jobs: Readonly<Record<string, ScrapeTarget[]>>): Record<string, unknown>[] {
  return Object.entries(jobs).map(([job, targets]) => ({
    job_name: job,
    static_configs: targets.map((target) => ({ targets: [target.address], labels: target.labels })),
  }));
}

/**
 * A real Prometheus on 127.0.0.1 at a free port, scraping every second, with
 * its configuration and data in a temporary directory that stop() removes.
 */
export class Prometheus {
  private stderr = '';

  private constructor(
    private readonly child: ChildProcessByStdio<null, null, Readable>,
    private readonly dir: string,
    readonly url: string,
  ) {
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (this.stderr = (this.stderr + chunk).slice(-4_000)));
  }

  static async start(scrapeConfigs: readonly Record<string, unknown>[]): Promise<Prometheus> {
    const dir = mkdtempSync(join(tmpdir(), 'protomesh-prometheus-'));
    const config = {
      global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
      scrape_configs: scrapeConfigs,
    };
    // JSON is YAML, so the configuration needs no YAML writer.
    writeFileSync(join(dir, 'prometheus.yml'), JSON.stringify(config, null, 2));
    const port = await unusedPort();
    const child = spawn(
      PROMETHEUS_BINARY,
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    const prometheus = new Prometheus(child, dir, `http://127.0.0.1:${port}`);
    try {
      await prometheus.waitUntil('ready', 15_000, async () =>
        (await fetch(`${prometheus.url}/-/ready`)).ok ? true : undefined,
      );
    } catch (err) {
      await prometheus.stop();
      throw err;
    }
    return prometheus;
  }

  /** An instant query; throws with Prometheus's error for a bad expression. */
  async query(expr: string): Promise<VectorSample[]> {
    const res = await fetch(`${this.url}/api/v1/query?${new URLSearchParams({ query: expr })}`);
    const body = (await res.json()) as {
      status: string;
      error?: string;
      data?: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] };
    };
    if (body.status !== 'success' || body.data === undefined) {
      throw new Error(`query ${expr} failed: ${body.error ?? res.status}`);
    }
    if (body.data.resultType !== 'vector') {
      return [];
    }
    return body.data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
  }

  /** Polls `expr` until `accept` takes its result, failing after `timeoutMs`. */
  waitForQuery(expr: string, accept: (result: VectorSample[]) => boolean, timeoutMs: number): Promise<VectorSample[]> {
    return this.waitUntil(`${expr} to give an acceptable result`, timeoutMs, async () => {
      const result = await this.query(expr);
      return accept(result) ? result : undefined;
    });
  }

  async activeTargets(): Promise<ActiveTarget[]> {
    const body = (await (await fetch(`${this.url}/api/v1/targets?state=active`)).json()) as {
      data: { activeTargets: ActiveTarget[] };
    };
    return body.data.activeTargets;
  }

  /** Polls the active targets until `accept` takes them, failing after `timeoutMs`. */
  waitForTargets(accept: (targets: ActiveTarget[]) => boolean, timeoutMs: number): Promise<ActiveTarget[]> {
    return this.waitUntil('acceptable targets', timeoutMs, async () => {
      const targets = await this.activeTargets();
      return accept(targets) ? targets : undefined;
    });
  }

  /** SIGTERM, SIGKILL after 5 s; then removes the temporary directory. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const closed = new Promise((resolve) => this.child.once('close', resolve));
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
      await closed;
      clearTimeout(timer);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async waitUntil<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let lastError: unknown;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null) {
        throw new Error(`prometheus exited (${this.child.exitCode}) before ${what}:\n${this.stderr}`);
      }
      try {
        const found = await probe();
        if (found !== undefined) {
          return found;
        }
      } catch (err) {
        lastError = err;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (${String(lastError)}):\n${this.stderr}`);
  }
}
