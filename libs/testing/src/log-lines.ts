import { Writable } from 'node:stream';

/**
 * A stream for a logger to write JSON lines into (pino's destination), and
 * the lines as objects, for a spec to read what was logged in-process.
 */
export function logLines(): { readonly lines: Record<string, unknown>[]; readonly sink: Writable } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { lines, sink };
}
