import type { RpcName } from '../../shared/contract/index.js';
import type { JobManager } from '../jobs/job-manager.js';
import type { Handlers } from '../rpc/router.js';
import type { SdgService } from './sdg-service.js';

type SdgRpc = Extract<RpcName, `sdg.${string}`>;

/** The router handlers of the `sdg.*` endpoints (spread into the composition root's table). */
export function sdgHandlers(sdg: SdgService, jobs: JobManager): Pick<Handlers, SdgRpc> {
  return {
    'sdg.start': (p) => jobs.start('sdg.generate', p),
    'sdg.preflight': (p) => sdg.preflight(p),
    'sdg.status': (p) => sdg.status(p.jobId),
    'sdg.samples': (p) => sdg.samples(p.jobId, p),
    'sdg.discard': (p) => sdg.discard(p.jobId, p.ids, p.discarded),
    'sdg.flows': (p) => sdg.flows(p.flowsDir),
  };
}
