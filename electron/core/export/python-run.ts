import { AppError, type ErrorCode } from '../../shared/errors.js';
import { TRAINER_ENV, trainerEnv } from '../training/trainer-process.js';
import { CommandFailed, runLines } from '../util/run-lines.js';

/**
 * Runs a Python tool of the trainer's environment (the export steps), streaming its output lines;
 * a failure becomes an AppError carrying the tool's last lines.
 */
export async function runPythonTool(
  python: string,
  args: string[],
  opts: {
    pythonPath: string;
    signal: AbortSignal;
    onLine(line: string): void;
    code?: ErrorCode;
    what: string;
    /** CUDA devices the tool may use (CUDA_VISIBLE_DEVICES). */
    gpus?: number[];
  },
): Promise<void> {
  try {
    await runLines(python, ['-u', ...args], {
      signal: opts.signal,
      onLine: opts.onLine,
      allowEnv: TRAINER_ENV,
      env: trainerEnv(opts.pythonPath, opts.gpus ? { CUDA_VISIBLE_DEVICES: opts.gpus.join(',') } : {}),
    });
  } catch (err) {
    if (!(err instanceof CommandFailed)) throw err;
    if (opts.signal.aborted) throw new AppError('CANCELLED', 'Cancelled');
    const tail = err.tail;
    const errLine = [...tail].reverse().find((l) => /^(error|\w*Error)\b|error:/i.test(l.trim())) ?? tail.at(-1) ?? '';
    throw new AppError(
      opts.code ?? 'WORKER_CRASHED',
      `${opts.what} failed (${err.signal ?? `exit ${err.exitCode}`}): ${errLine.replace(/^error:\s*/i, '').trim()}`,
      { details: { lastLines: tail.slice(-15) } },
    );
  }
}
