import type {
  JobInfo,
  PipelineCheck,
  PipelineParsedParams,
  PipelineRecord,
  RpcName,
} from '../../shared/contract/index.js';
import type { Handlers } from '../rpc/router.js';
import { checkPipeline, type CheckDeps } from './pipeline-check.js';
import { pipelineJob, refused, type PipelineDeps } from './pipeline-job.js';
import type { PipelineStore } from './pipeline-store.js';
import { historyOf } from './stage-params.js';

export type PipelineServiceDeps = Omit<PipelineDeps, 'check' | 'waitForReview' | 'store'> &
  Omit<CheckDeps, 'history'> & { store: PipelineStore };

/** Guided LAB runs: the check before a start, the `pipeline.run` job, the records, the review pause. */
export class PipelineService {
  readonly job;
  private readonly reviewWaiters = new Map<string, () => void>();

  constructor(private readonly deps: PipelineServiceDeps) {
    this.job = pipelineJob({
      ...deps,
      check: (p) => this.check(p),
      waitForReview: (id, signal) =>
        new Promise<void>((resolve, reject) => {
          const onAbort = (): void => {
            this.reviewWaiters.delete(id);
            reject(signal.reason as Error);
          };
          if (signal.aborted) return onAbort();
          signal.addEventListener('abort', onAbort, { once: true });
          this.reviewWaiters.set(id, () => {
            signal.removeEventListener('abort', onAbort);
            this.reviewWaiters.delete(id);
            resolve();
          });
        }),
    });
  }

  check(p: PipelineParsedParams): Promise<PipelineCheck> {
    return checkPipeline(p, {
      library: this.deps.library,
      gpus: this.deps.gpus,
      history: () =>
        this.deps.store
          .list(20)
          .filter((r) => r.stages.some((s) => s.state === 'done'))
          .map(historyOf),
    });
  }

  /** Checks, then starts: a run with problems never starts (INVALID_REQUEST listing them). */
  async start(p: PipelineParsedParams): Promise<JobInfo> {
    const check = await this.check(p);
    if (!check.ok) throw refused(check);
    return this.deps.jobs().start('pipeline.run', p);
  }

  async continueRun(jobId: string): Promise<JobInfo> {
    const waiter = this.reviewWaiters.get(jobId);
    if (waiter) {
      waiter();
      return this.deps.jobs().get(jobId);
    }
    const record = this.deps.store.get(jobId);
    const train = record.stages.find((s) => s.name === 'train')!;
    train.summary.reviewed = true;
    await this.deps.store.save(record);
    const job = this.deps.jobs().get(jobId);
    if (job.state === 'queued' || job.state === 'running') return job;
    return this.deps.jobs().resume(jobId);
  }

  find(out: string): PipelineRecord | null {
    return this.deps.store.findByOut(out);
  }
}

type PipelineRpc = Extract<RpcName, `pipeline.${string}`>;

export function pipelineHandlers(svc: PipelineService, store: PipelineStore): Pick<Handlers, PipelineRpc> {
  return {
    'pipeline.check': (p) => svc.check(p),
    'pipeline.start': (p) => svc.start(p),
    'pipeline.runs': (p) => store.list(p.limit),
    'pipeline.get': (p) => store.get(p.jobId),
    'pipeline.find': (p) => svc.find(p.out),
    'pipeline.continue': (p) => svc.continueRun(p.jobId),
  };
}
