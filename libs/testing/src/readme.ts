import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const README = join(__dirname, '../../../README.md');

/**
 * The `variable | default | meaning` table under a README heading, as
 * variable → default. A default written as code (`8080`) is returned without
 * its backticks; a described one (host name, off) is returned as undefined.
 */
export function readmeSettings(heading: string): Map<string, string | undefined> {
  const text = readFileSync(README, 'utf8');
  const start = text.indexOf(`\n${heading}\n`);
  if (start < 0) {
    throw new Error(`README.md has no heading ${heading}`);
  }
  const settings = new Map<string, string | undefined>();
  for (const line of text.slice(start).split('\n').slice(2)) {
    if (line.startsWith('#')) {
      break;
    }
    const cells = /^\| (`[A-Z_]+`(?: \+ `[A-Z_]+`)*) \| ([^|]+) \|/.exec(line);
    if (cells) {
      const value = /^`([^`]*)`$/.exec(cells[2].trim())?.[1];
      for (const [, name] of cells[1].matchAll(/`([A-Z_]+)`/g)) {
        settings.set(name, value);
      }
    }
  }
  return settings;
}
