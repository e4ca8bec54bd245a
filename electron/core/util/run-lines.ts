import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';

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

/**
 * Runs a command, feeding every stdout and stderr line to `onLine`. Rejects with CommandFailed
 * (keeping the last lines) on a non-zero exit, or with the AbortError when `signal` fires.
 */
export function runLines(
  cmd: string,
  args: string[],
  opts: { signal: AbortSignal; onLine(line: string): void; env?: NodeJS.ProcessEnv },
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      signal: opts.signal,
      env: opts.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      windowsHide: true,
    });
    const tail: string[] = [];
    const take = (l: string): void => {
      tail.push(l);
      if (tail.length > TAIL) tail.shift();
      opts.onLine(l);
    };
    createInterface({ input: child.stdout }).on('line', take);
    createInterface({ input: child.stderr }).on('line', take);
    child.on('error', reject);
    child.on('close', (code, sig) => {
      if (code === 0) resolve();
      else
        reject(
          new CommandFailed(
            `${path.basename(cmd)} ${sig ? `was killed by ${sig}` : `exited with code ${code}`}`,
            tail,
            code,
            sig,
          ),
        );
    });
  });
}
