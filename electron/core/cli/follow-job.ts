import type { JobInfo } from '../../shared/contract/index.js';
import type { ApiClient } from '../../shared/client.js';
import type { CliIo } from './command.js';

const ENDED = new Set(['succeeded', 'failed', 'cancelled', 'interrupted']);

/**
 * Follows a job until it ends: `onChange` sees every update (throttle printing yourself). Resolves
 * with the final JobInfo, whatever the outcome.
 */
export function followJob(
  api: ApiClient,
  jobId: string,
  onChange: (job: JobInfo) => void = () => undefined,
): Promise<JobInfo> {
  return new Promise((resolve, reject) => {
    const off = api.on('jobs.changed', (job) => {
      if (job.id !== jobId) return;
      onChange(job);
      if (ENDED.has(job.state)) {
        off();
        resolve(job);
      }
    });
    // The job may have ended before the subscription.
    api.call('jobs.get', { id: jobId }).then(
      (job) => {
        if (ENDED.has(job.state)) {
          off();
          resolve(job);
        }
      },
      (err: unknown) => {
        off();
        reject(err as Error);
      },
    );
  });
}

export interface PrintOptions {
  /** The progress line for an update, or null to print nothing (default: the stage, when it changes). */
  line?: (job: JobInfo) => string | null;
  /** At most one line per this many ms (default: every line). */
  everyMs?: number;
  /** Said on Ctrl+C (or SIGTERM) before the job is cancelled. */
  onStop?: string;
}

/** Prints "stage..." each time the job's stage changes. */
export function stageLines(): (job: JobInfo) => string | null {
  let stage = '';
  return (j) => (j.progress.stage && j.progress.stage !== stage ? `${(stage = j.progress.stage)}...` : null);
}

/**
 * The CLI's way to wait for a job: progress lines on stderr, Ctrl+C (and SIGTERM) cancels it
 * through `jobs.cancel`, and it resolves with the final JobInfo.
 */
export async function followAndPrint(
  api: ApiClient,
  io: CliIo,
  jobId: string,
  opts: PrintOptions = {},
): Promise<JobInfo> {
  const line = opts.line ?? stageLines();
  let last = 0;
  const stop = (): void => {
    if (opts.onStop) io.err(opts.onStop);
    void api.call('jobs.cancel', { id: jobId }).catch(() => undefined);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    return await followJob(api, jobId, (j) => {
      if (opts.everyMs !== undefined && Date.now() - last < opts.everyMs) return;
      const text = line(j);
      if (text === null) return;
      last = Date.now();
      io.err(text);
    });
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

/**
 * Prints how a job that did not succeed ended: the last lines of its tool (`details.lastLines`),
 * then the message and hint. Returns the exit code (130 for cancelled, 1 otherwise).
 */
export function reportJobEnd(io: CliIo, command: string, job: JobInfo, lines = 10): number {
  const details = job.error?.details;
  const tail =
    details && typeof details === 'object' && 'lastLines' in details && Array.isArray(details.lastLines)
      ? details.lastLines.map(String)
      : [];
  for (const l of tail.slice(-lines)) io.err(`  | ${l}`);
  io.err(`labforge ${command}: ${job.error?.message ?? job.state}${job.error?.hint ? ` ${job.error.hint}` : ''}`);
  return job.state === 'cancelled' ? 130 : 1;
}
