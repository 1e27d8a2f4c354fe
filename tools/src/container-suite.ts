import type { ContainerEngine, EngineChoice } from './container-engine.js';

/**
 * Whether container tests can run here. Off CI a machine without an engine
 * skips them, saying why; on CI (CI=true) that same machine fails instead, so
 * a broken runner can never turn the container tests into a silent no-op.
 */
export type SuiteDecision =
  | { action: 'run'; engine: ContainerEngine; message: string }
  | { action: 'skip'; message: string }
  | { action: 'fail'; message: string };

export function decideContainerSuite(
  choice: EngineChoice,
  env: Record<string, string | undefined>,
  platform: NodeJS.Platform,
): SuiteDecision {
  let blocker: string | undefined;
  if (!choice.ok) blocker = choice.reason;
  else if (!choice.engine.runner) blocker = `images can be built but not run: ${choice.summary}`;
  else if (platform !== 'linux')
    blocker = `the node base stand-in needs a Linux host node binary (this is ${platform})`;
  if (choice.ok && !blocker) {
    return { action: 'run', engine: choice.engine, message: `container tests run: ${choice.summary}` };
  }
  if (env['CI'] === 'true') {
    return { action: 'fail', message: `container tests cannot run on CI (CI=true): ${blocker}` };
  }
  return { action: 'skip', message: `container tests SKIPPED: ${blocker} (set CI=true to make this a failure)` };
}
