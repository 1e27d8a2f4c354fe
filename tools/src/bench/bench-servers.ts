import { resolve } from 'node:path';
import type { ServerSpec } from './server-process.js';

const WORKSPACE_ROOT = resolve(__dirname, '../../..');

export const SERVER_BUNDLE = resolve(WORKSPACE_ROOT, 'dist/apps/server/main.js');

/** Node arguments that run one of the comparison servers beside this file from TypeScript. */
function tsScript(file: string, ...args: string[]): string[] {
  return ['--import', 'tsx', resolve(__dirname, file), ...args];
}

/** The servers measured, each on 127.0.0.1 and a free port; `name` is the name every request greets. */
export function benchServers(name: string): ServerSpec[] {
  return [
    {
      id: 'protomesh',
      label: 'protomesh server (dist/apps/server/main.js, Connect-node)',
      args: [SERVER_BUNDLE],
      cwd: WORKSPACE_ROOT,
      // info, not warn: the start line (with the port) is info, and per call the server logs only at
      // debug (OK, client errors) or error (bugs), so the per-call cost is the same. Metrics stay on
      // (as deployed), on a free port so a server already running here cannot block the start.
      env: {
        HOST: '127.0.0.1',
        PORT: '0',
        METRICS_PORT: '0',
        LOG_LEVEL: 'info',
        DRAIN_TIMEOUT: '1s',
        POD_NAME: 'bench',
      },
      countsOk: false,
    },
    {
      id: 'grpc-js',
      label: '@grpc/grpc-js server, library defaults',
      args: tsScript('grpc-js-server.ts'),
      cwd: WORKSPACE_ROOT,
      countsOk: true,
    },
    {
      id: 'raw-http2',
      label: 'raw node:http2 canned gRPC response (Node ceiling)',
      args: tsScript('raw-http2-server.ts', name),
      cwd: WORKSPACE_ROOT,
      countsOk: true,
    },
  ];
}
