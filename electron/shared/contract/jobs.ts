import { z } from 'zod';
import { errorInfoSchema } from '../errors.js';
import { event, rpc } from './define.js';

export const jobStateSchema = z.enum(['queued', 'running', 'succeeded', 'failed', 'cancelled', 'interrupted']);
export type JobState = z.infer<typeof jobStateSchema>;

export const jobProgressSchema = z.object({
  /** 0..1, or null when the amount of work is unknown. */
  fraction: z.number().min(0).max(1).nullable(),
  stage: z.string().nullable(),
  /** Seconds left, when it can be estimated. */
  etaSeconds: z.number().nullable(),
  /** Numbers a chart or a table can show (loss, tokens/s, MB/s...). */
  metrics: z.record(z.string(), z.number()),
});
export type JobProgress = z.infer<typeof jobProgressSchema>;

export const jobInfoSchema = z.object({
  id: z.string(),
  kind: z.string(),
  title: z.string(),
  params: z.unknown(),
  state: jobStateSchema,
  progress: jobProgressSchema,
  result: z.unknown().nullable(),
  error: errorInfoSchema.nullable(),
  resumable: z.boolean(),
  usesGpu: z.boolean(),
  createdAt: z.number(),
  startedAt: z.number().nullable(),
  endedAt: z.number().nullable(),
});
export type JobInfo = z.infer<typeof jobInfoSchema>;

export const jobLogLineSchema = z.object({
  seq: z.number().int(),
  time: z.number(),
  level: z.enum(['debug', 'info', 'warn', 'error']),
  message: z.string(),
});
export type JobLogLine = z.infer<typeof jobLogLineSchema>;

const jobId = z.object({ id: z.string().min(1) });

export const jobsContract = {
  /** Every job, newest first. */
  'jobs.list': rpc(
    z.object({ limit: z.number().int().positive().max(1000).optional(), kind: z.string().optional() }),
    z.array(jobInfoSchema),
  ),
  /** One job by id; NOT_FOUND when it does not exist. */
  'jobs.get': rpc(jobId, jobInfoSchema),
  /** Asks a queued or running job to stop; it ends as `cancelled`. Cancelling an ended job is a no-op. */
  'jobs.cancel': rpc(jobId, jobInfoSchema),
  /** Continues an interrupted, failed or cancelled job where its kind allows (JOB_NOT_RESUMABLE otherwise). */
  'jobs.resume': rpc(jobId, jobInfoSchema),
  /** The job's log lines after `afterSeq` (all when omitted), oldest first. */
  'jobs.log': rpc(
    jobId.extend({ afterSeq: z.number().int().optional(), limit: z.number().int().positive().max(10000).optional() }),
    z.array(jobLogLineSchema),
  ),
  /** A job was created or changed state or progress (progress is throttled to ~10 Hz). */
  'jobs.changed': event(jobInfoSchema),
  /** New log lines of a job. */
  'jobs.logged': event(z.object({ id: z.string(), lines: z.array(jobLogLineSchema) })),
} as const;
