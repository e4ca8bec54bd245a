import type { JobKindName, JobLogLine, JobParams, JobProgress, JobResult } from '../../shared/contract/index.js';

export interface JobContext<P> {
  readonly id: string;
  readonly params: P;
  readonly signal: AbortSignal;
  /** What the last run saved with `saveResumeState`, when this run is a resume; null otherwise. */
  readonly resumeState: unknown;
  /** Merges into the job's progress; events are throttled, so call it as often as you like. */
  report(progress: Partial<JobProgress>): void;
  log(message: string, level?: JobLogLine['level']): void;
  /** Persists what a resume needs (a byte offset, the last checkpoint, the finished chunks). */
  saveResumeState(state: unknown): void;
}

/**
 * A kind of long-running work the job manager can start, persist and (maybe) resume. The kinds of
 * the app are declared in the contract's `jobKinds` and implemented with `defineJob`; a bare
 * `JobKind<P, R>` is for kinds outside the map (the job manager's own tests).
 */
export interface JobKind<P = unknown, R = unknown> {
  readonly kind: string;
  title(params: P): string;
  /** Takes the GPU lock for the whole run. */
  readonly usesGpu?: boolean;
  /** The run can continue from its resume state after an interruption, failure or cancel. */
  readonly resumable?: boolean;
  run(ctx: JobContext<P>): Promise<R>;
}

/** A kind from the contract's `jobKinds` map, typed by it. */
export type DefinedJobKind<K extends JobKindName> = JobKind<JobParams<K>, JobResult<K>> & { readonly kind: K };

/** Implements the job kind `kind` of the contract: `run` gets its validated params and must return its result type. */
export const defineJob = <K extends JobKindName>(
  kind: K,
  def: Omit<JobKind<JobParams<K>, JobResult<K>>, 'kind'>,
): DefinedJobKind<K> => ({ ...def, kind });
