import { runChecked, runCommand } from './container-command.js';
import { type ContainerEngine, runnerInvocation } from './container-engine.js';

export interface RunSpec {
  /** Container name; callers pick unique ones so parallel runs cannot collide. */
  name: string;
  image: string;
  env?: Record<string, string>;
  /** Share the host's network namespace, so ports are plain 127.0.0.1 ports; default true. */
  hostNetwork?: boolean;
  /** Arguments after the image, handed to its ENTRYPOINT; default none. */
  command?: string[];
}

function runner(engine: ContainerEngine, args: string[], timeoutMs: number): Promise<string> {
  const { command, args: full } = runnerInvocation(engine, args);
  return runChecked(command, full, { timeoutMs });
}

/** Starts a container in the background; it is kept after it exits so its exit code and logs can be read. */
export async function startContainer(engine: ContainerEngine, spec: RunSpec): Promise<void> {
  const { name, image, env = {}, hostNetwork = true, command = [] } = spec;
  const envArgs = Object.entries(env).flatMap(([key, value]) => ['-e', `${key}=${value}`]);
  await runner(
    engine,
    ['run', '-d', '--name', name, ...(hostNetwork ? ['--network', 'host'] : []), ...envArgs, image, ...command],
    60_000,
  );
}

/** Waits for the container to exit and returns its exit code; rejects after `timeoutMs`. */
export async function waitForExit(engine: ContainerEngine, name: string, timeoutMs: number): Promise<number> {
  const output = (await runner(engine, ['wait', name], timeoutMs)).trim();
  const code = Number(output.split('\n').pop());
  if (!Number.isInteger(code)) throw new Error(`unexpected output from wait ${name}: ${output}`);
  return code;
}

/** What the container wrote to stdout and stderr so far. */
export async function containerLogs(engine: ContainerEngine, name: string): Promise<string> {
  const { command, args } = runnerInvocation(engine, ['logs', name]);
  const result = await runCommand(command, args, { timeoutMs: 30_000 });
  if (result.code !== 0) throw new Error(`logs ${name} exited with ${result.code}: ${result.stderr.trim()}`);
  return result.stdout + result.stderr;
}

/** Delivers a signal to the container's main process (PID 1). */
export async function signalContainer(engine: ContainerEngine, name: string, signal = 'TERM'): Promise<void> {
  await runner(engine, ['kill', '--signal', signal, name], 30_000);
}

/** Removes a container, running or not; one that does not exist is not an error. */
export async function removeContainer(engine: ContainerEngine, name: string): Promise<void> {
  const remove = runnerInvocation(engine, ['rm', '-f', name]);
  const result = await runCommand(remove.command, remove.args, { timeoutMs: 60_000 });
  if (result.code === 0) return;
  const inspect = runnerInvocation(engine, ['container', 'inspect', name]);
  if ((await runCommand(inspect.command, inspect.args, { timeoutMs: 30_000 })).code === 0) {
    throw new Error(`rm -f ${name} exited with ${result.code}: ${result.stderr.trim()}`);
  }
}
