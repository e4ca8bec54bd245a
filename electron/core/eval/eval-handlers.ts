import type { Handlers } from '../rpc/router.js';
import type { JobManager } from '../jobs/job-manager.js';
import type { EvalStore } from './eval-store.js';

type EvalRpc = 'eval.start' | 'eval.reports' | 'eval.report';

/** The `eval.*` endpoints. */
export function evalHandlers(store: EvalStore, jobs: JobManager): Pick<Handlers, EvalRpc> {
  return {
    'eval.start': (p) => jobs.start('eval.run', p),
    'eval.reports': (p) => ({ reports: store.list(p.runId), selections: store.selections(p.runId) }),
    'eval.report': (p) => store.get(p.id),
  };
}
