import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { helmBin } from './helm.ts';
import { renderAll, RENDERS_ENV } from './scenarios.ts';

/**
 * Finds helm and renders every scenario once for the whole run; test files
 * (each with its own module registry) read the renders from a JSON file.
 */
export default async function globalSetup(): Promise<void> {
  helmBin();
  const renders = Object.fromEntries(await renderAll());
  const file = join(mkdtempSync(join(tmpdir(), 'protomesh-chart-')), 'renders.json');
  writeFileSync(file, JSON.stringify(renders));
  process.env[RENDERS_ENV] = file;
}
