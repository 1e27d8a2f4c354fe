import { type Client, ConnectError, createContextValues } from '@connectrpc/connect';
import { attemptsOf, type GrpcStatusName, grpcStatusName } from '@protomesh/grpc-core';
import type { GreeterService } from '@protomesh/proto/greeter/v1';
import { type Logger, sleep } from '@protomesh/runtime';
import { traceIdKey } from '@protomesh/telemetry';
import type { ClientConfig } from './config.js';

export interface CallOutcome {
  readonly code: GrpcStatusName;
  readonly latencyMs: number;
  readonly attempts: number;
  readonly serverInstance: string | null;
  readonly serverVersion: string | null;
}

/** Makes one SayHello call and logs one line describing how it ended. */
async function callOnce(
  client: Client<typeof GreeterService>,
  config: Pick<ClientConfig, 'name' | 'timeoutMs'>,
  logger: Logger,
  signal: AbortSignal,
): Promise<CallOutcome> {
  const contextValues = createContextValues();
  const started = performance.now();
  let header: Headers | undefined;
  let code: GrpcStatusName = 'OK';
  let detail: Record<string, string>;
  try {
    const response = await client.sayHello(
      { name: config.name },
      { timeoutMs: config.timeoutMs, signal, contextValues, onHeader: (h) => (header = h) },
    );
    detail = { message: response.message };
  } catch (err) {
    const error = ConnectError.from(err);
    code = grpcStatusName(error.code);
    header ??= error.metadata;
    detail = { error: error.rawMessage };
  }
  const outcome: CallOutcome = {
    code,
    latencyMs: Math.round((performance.now() - started) * 10) / 10,
    attempts: attemptsOf(contextValues),
    serverInstance: header?.get('x-server-instance') ?? null,
    serverVersion: header?.get('x-server-version') ?? null,
  };
  // The trace id exists when spans are exported (or a caller's trace is forwarded); field named as the server's.
  const traceId = contextValues.get(traceIdKey);
  logger[code === 'OK' ? 'info' : 'warn'](
    { ...outcome, ...detail, ...(traceId && { trace_id: traceId }) },
    `SayHello ${code}`,
  );
  return outcome;
}

/**
 * Calls every `intervalMs` (start to start; a slow call delays the next rather
 * than overlapping it) until `count` calls were made (0 = forever) or the
 * signal aborts. Resolves true when every finished call ended with `expect`.
 */
export async function runCallLoop(
  client: Client<typeof GreeterService>,
  config: ClientConfig,
  logger: Logger,
  signal: AbortSignal,
): Promise<boolean> {
  let made = 0;
  let asExpected = 0;
  while (!signal.aborted && (config.count === 0 || made < config.count)) {
    const started = performance.now();
    const outcome = await callOnce(client, config, logger, signal);
    if (signal.aborted) {
      break;
    }
    made++;
    if (outcome.code === config.expect) {
      asExpected++;
    }
    if (config.count !== 0 && made >= config.count) {
      break;
    }
    await sleep(Math.max(0, config.intervalMs - (performance.now() - started)), signal).catch(() => undefined);
  }
  logger.info({ calls: made, asExpected, expect: config.expect }, 'client stopped');
  return asExpected === made;
}
