import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { RENDERS_ENV } from './scenarios.ts';

export default function globalTeardown(): void {
  const file = process.env[RENDERS_ENV];
  if (file) {
    rmSync(dirname(file), { recursive: true, force: true });
  }
}
