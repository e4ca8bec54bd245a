import path from 'node:path';
import { GPU_ENV, NETWORK_ENV, PYTHON_ENV, spawnChild } from './child-process.js';

const TAIL = 40;

/** A command that exited non-zero; `tail` holds its last output lines (stdout and stderr). */
export class CommandFailed extends Error {
  constructor(
    message: string,
    readonly tail: string[],
    readonly exitCode: number | null,
    readonly signal: NodeJS.Signals | null,
  ) {
    super(message);
    this.name = 'CommandFailed';
  }
}

export interface RunLinesOptions {
  signal: AbortSignal;
  onLine(line: string): void;
  /** What the command inherits on top of BASE_ENV (default: GPU, Python and network/installer settings). */
  allowEnv?: RegExp[];
  /** Variables set explicitly. */
  env?: Record<string, string>;
}

/**
 * Runs a command under the child-process wrapper, feeding every stdout and stderr line to
 * `onLine`. Rejects with CommandFailed (keeping the last lines) on a non-zero exit, with the
 * signal's reason when `signal` fires (the command is stopped: SIGTERM, then SIGKILL of its
 * group), or with the start error (ENOENT...).
 */
export async function runLines(cmd: string, args: string[], opts: RunLinesOptions): Promise<void> {
  opts.signal.throwIfAborted();
  const child = spawnChild(cmd, args, {
    signal: opts.signal,
    allowEnv: opts.allowEnv ?? [GPU_ENV, PYTHON_ENV, NETWORK_ENV],
    env: opts.env,
    tailLines: TAIL,
    tailStdout: true,
    grace: { term: 5000 },
  });
  child.onStdoutLine(opts.onLine);
  child.onStderrLine(opts.onLine);
  const exit = await child.exited;
  if (exit.error) throw exit.error;
  opts.signal.throwIfAborted();
  if (exit.code === 0) return;
  const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
  throw new CommandFailed(`${path.basename(cmd)} ${how}`, child.tail(), exit.code, exit.signal);
}
