/**
 * `npm start`: the greeter server and client from their built bundles on
 * loopback, with their JSON logs made readable. Both inherit the environment,
 * so the same FAULT_* (server) and TIMEOUT/INTERVAL (client) variables used in
 * the cluster rehearse a fault here. In a terminal, `s` stops or restarts the
 * server (watch the client go UNAVAILABLE and recover); Ctrl-C stops both.
 */
import { type ChildProcess, type ChildProcessByStdio, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { prettyFactory } from 'pino-pretty';

const root = resolve(__dirname, '../..');
const port = process.env['PORT'] ?? '8080';
const colors = { server: '\x1b[36m', client: '\x1b[35m' } as const;
const reset = '\x1b[0m';
const tty = Boolean(process.stdout.isTTY);
const pretty = prettyFactory({
  colorize: tty,
  singleLine: true,
  translateTime: 'SYS:HH:MM:ss.l',
  ignore: 'pid,hostname,service',
});

type Name = keyof typeof colors;

function start(name: Name, env: NodeJS.ProcessEnv): ChildProcessByStdio<null, Readable, Readable> {
  const child = spawn(process.execPath, [resolve(root, `dist/apps/${name}/main.js`)], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const label = tty ? `${colors[name]}[${name}]${reset}` : `[${name}]`;
  for (const input of [child.stdout, child.stderr]) {
    createInterface({ input }).on('line', (line) => {
      const text = line.startsWith('{') ? pretty(line).trimEnd() : line;
      process.stdout.write(`${label} ${text}\n`);
    });
  }
  return child;
}

function exited(child: ChildProcess): Promise<number> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve(child.exitCode ?? 1);
  }
  return new Promise((done) => child.once('exit', (code) => done(code ?? 1)));
}

let stopping = false;
// Both apps default to metrics port 9464; side by side the client takes 9465.
// No drain delay here (no load balancer to wait for), unless the caller's environment sets one.
const serverEnv = { PORT: port, DRAIN_DELAY: process.env['DRAIN_DELAY'] ?? '0s' };
let server: ChildProcess | undefined = start('server', serverEnv);
const client = start('client', {
  SERVER_URL: process.env['SERVER_URL'] ?? `http://127.0.0.1:${port}`,
  METRICS_PORT: process.env['CLIENT_METRICS_PORT'] ?? '9465',
});

async function stopAll(code: number): Promise<void> {
  if (stopping) {
    return;
  }
  stopping = true;
  const children = [client, server].filter((child): child is ChildProcess => child !== undefined);
  children.forEach((child) => child.kill('SIGTERM'));
  await Promise.all(children.map(exited));
  process.exit(code);
}

/** A child that ends on its own (a config error, a crash) ends the run with its code. */
function watch(child: ChildProcess, name: Name): void {
  void exited(child).then((code) => {
    if (!stopping && (name === 'client' || child === server)) {
      process.stdout.write(`[start] ${name} exited with code ${code}\n`);
      void stopAll(code);
    }
  });
}

watch(server, 'server');
watch(client, 'client');
process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

if (process.stdin.isTTY) {
  process.stdout.write('[start] press s to stop/start the server, Ctrl-C to quit\n');
  process.stdin.setRawMode(true);
  process.stdin.on('data', (key: Buffer) => {
    const pressed = key.toString();
    if (pressed === '\u0003') {
      void stopAll(0);
    } else if (pressed === 's' && server) {
      const stopped = server;
      server = undefined;
      process.stdout.write('[start] stopping the server (SIGTERM)\n');
      stopped.kill('SIGTERM');
    } else if (pressed === 's') {
      process.stdout.write('[start] starting the server\n');
      server = start('server', serverEnv);
      watch(server, 'server');
    }
  });
}
