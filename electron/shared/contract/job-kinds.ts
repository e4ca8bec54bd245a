import { z } from 'zod';
import { rpc } from './define.js';
import { evalParamsSchema, evalResultSchema } from './eval.js';
import { exportParamsSchema, exportResultSchema } from './export.js';
import { jobInfoSchema, type JobInfo } from './jobs.js';
import { modelDownloadParamsSchema, modelDownloadResultSchema } from './models.js';
import { pipelineParamsSchema, pipelineResultSchema } from './pipeline.js';
import { pythonSetupParamsSchema, pythonStatusSchema } from './python.js';
import { sdgParamsSchema, sdgResultSchema } from './sdg.js';
import { diskBenchParamsSchema, diskBenchResultSchema, hardwareInfoSchema } from './system.js';
import { trainingParamsSchema, trainingResultSchema } from './training.js';

/** A kind of job, declared like an endpoint: what it takes and what it ends with. */
export interface JobKindDef<P extends z.ZodType = z.ZodType, R extends z.ZodType = z.ZodType> {
  readonly params: P;
  readonly result: R;
}

const jobKind = <P extends z.ZodType, R extends z.ZodType>(params: P, result: R): JobKindDef<P, R> => ({
  params,
  result,
});

/**
 * Every kind of job, by name (`domain.verb`). A new kind is one line here plus its `defineJob` in the
 * core; `jobs.start`, `JobManager.start` and `jobResult` are then typed and validated by it.
 */
export const jobKinds = {
  'system.scan': jobKind(z.object({}), hardwareInfoSchema),
  'system.benchmarkDisk': jobKind(diskBenchParamsSchema, diskBenchResultSchema),
  'python.setup': jobKind(pythonSetupParamsSchema, pythonStatusSchema),
  'training.run': jobKind(trainingParamsSchema, trainingResultSchema),
  'export.gguf': jobKind(exportParamsSchema, exportResultSchema),
  'models.download': jobKind(modelDownloadParamsSchema, modelDownloadResultSchema),
  'eval.run': jobKind(evalParamsSchema, evalResultSchema),
  'sdg.generate': jobKind(sdgParamsSchema, sdgResultSchema),
  'pipeline.run': jobKind(pipelineParamsSchema, pipelineResultSchema),
} as const;

export type JobKinds = typeof jobKinds;
export type JobKindName = keyof JobKinds;
/** A job's params after validation (defaults filled): what the job's `run` gets. */
export type JobParams<K extends JobKindName> = z.output<JobKinds[K]['params']>;
/** A job's params as a caller writes them (defaults optional). */
export type JobParamsInput<K extends JobKindName> = z.input<JobKinds[K]['params']>;
export type JobResult<K extends JobKindName> = z.output<JobKinds[K]['result']>;

export const jobKindNames = Object.keys(jobKinds) as JobKindName[];

export const isJobKindName = (name: string): name is JobKindName => Object.hasOwn(jobKinds, name);

/** The schemas of one kind, typed by its name (indexing the map with a generic key loses the pairing). */
export const jobKindSchemas = <K extends JobKindName>(
  kind: K,
): { params: z.ZodType<JobParams<K>, JobParamsInput<K>>; result: z.ZodType<JobResult<K>> } =>
  jobKinds[kind] as unknown as { params: z.ZodType<JobParams<K>, JobParamsInput<K>>; result: z.ZodType<JobResult<K>> };

/** The params of `job` when it is a job of `kind`, validated; null for a job of another kind. */
export function jobParams<K extends JobKindName>(kind: K, job: JobInfo): JobParams<K> | null {
  if (job.kind !== kind) return null;
  const r = jobKindSchemas(kind).params.safeParse(job.params);
  return r.success ? r.data : null;
}

/** The result of `job` when it is a succeeded job of `kind`, validated; null otherwise. */
export function jobResult<K extends JobKindName>(kind: K, job: JobInfo): JobResult<K> | null {
  if (job.kind !== kind || job.state !== 'succeeded' || job.result === null) return null;
  const r = jobKindSchemas(kind).result.safeParse(job.result);
  return r.success ? r.data : null;
}

type StartRequest<K extends JobKindName> = { kind: K; params: JobParams<K> };
type StartRequestInput<K extends JobKindName> = { kind: K; params: JobParamsInput<K> };
/** `{ kind, params }` of any kind, its params typed by its kind. */
export type JobStartRequest = { [K in JobKindName]: StartRequest<K> }[JobKindName];
export type JobStartRequestInput = { [K in JobKindName]: StartRequestInput<K> }[JobKindName];

const startOptions = jobKindNames.map((kind) => z.object({ kind: z.literal(kind), params: jobKinds[kind].params }));
/** The union built from the map; zod cannot pair each literal with its params in the inferred type, so it is named here. */
export const jobStartParamsSchema = z.discriminatedUnion(
  'kind',
  startOptions as [(typeof startOptions)[number], ...(typeof startOptions)[number][]],
) as unknown as z.ZodType<JobStartRequest, JobStartRequestInput>;

export const jobKindsContract = {
  /**
   * Starts a job of any kind in `jobKinds`, its params validated against that kind's schema
   * (INVALID_REQUEST naming the field otherwise). The domain rpcs (`training.start`, `export.gguf`...) are the same.
   */
  'jobs.start': rpc(jobStartParamsSchema, jobInfoSchema),
} as const;
