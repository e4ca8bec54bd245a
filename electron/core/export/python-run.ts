import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { AppError, type ErrorCode } from '../../shared/errors.js';
import { trainerEnv } from '../training/trainer-process.js';

/**
 * Runs a Python tool of the trainer's environment (the export steps), streaming its output lines;
 * a failure becomes an AppError carrying the tool's last lines.
 */
export function runPythonTool(
  python: string,
  args: string[],
  opts: { pythonPath: string; signal: AbortSignal; onLine(line: string): void; code?: ErrorCode; what: string },
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, ['-u', ...args], {
      env: trainerEnv(opts.pythonPath),
      signal: opts.signal,
      stdio: ['ignore', 'pipe', 'pipe'],
      windowsHide: true,
    });
    const tail: string[] = [];
    const take = (l: string): void => {
      tail.push(l);
      if (tail.length > 40) tail.shift();
      opts.onLine(l);
    };
    createInterface({ input: child.stdout }).on('line', take);
    createInterface({ input: child.stderr }).on('line', take);
    child.on('error', reject);
    child.on('close', (code, sig) => {
      if (code === 0) return resolve();
      if (opts.signal.aborted) return reject(new AppError('CANCELLED', 'Cancelled'));
      const errLine =
        [...tail].reverse().find((l) => /^(error|\w*Error)\b|error:/i.test(l.trim())) ?? tail.at(-1) ?? '';
      reject(
        new AppError(
          opts.code ?? 'WORKER_CRASHED',
          `${opts.what} failed (${sig ?? `exit ${code}`}): ${errLine.replace(/^error:\s*/i, '').trim()}`,
          {
            details: { lastLines: tail.slice(-15) },
          },
        ),
      );
    });
  });
}
