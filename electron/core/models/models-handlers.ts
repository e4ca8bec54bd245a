import { jobParams, type RpcName } from '../../shared/contract/index.js';
import { AppError } from '../../shared/errors.js';
import type { JobManager } from '../jobs/job-manager.js';
import type { Handlers } from '../rpc/router.js';
import { scanHfCache } from './hf-cache.js';
import { loadCatalog } from './model-catalog.js';
import type { ModelDownloads } from './model-downloads.js';
import type { ModelLibrary } from './model-library.js';

type Endpoints = Extract<
  RpcName,
  | 'models.catalog'
  | 'models.download'
  | 'models.pauseDownload'
  | 'models.cancelDownload'
  | 'models.hfCache'
  | 'models.import'
>;

/** Router handlers of the catalog, downloads, the HF cache and imports (spread after chatHandlers). */
export function modelsHandlers(deps: {
  library: ModelLibrary;
  downloads: ModelDownloads;
  jobs: JobManager;
  hfCache: () => string;
}): Pick<Handlers, Endpoints> {
  const { library, downloads, jobs } = deps;
  return {
    'models.catalog': async () => (await loadCatalog()).models,
    'models.download': (p) => jobs.start('models.download', p),
    'models.pauseDownload': (p) => {
      const job = jobs.get(p.jobId);
      if (job.kind !== 'models.download') throw new AppError('NOT_FOUND', `Job ${p.jobId} is not a download`);
      if (job.state !== 'running' && job.state !== 'queued') return job;
      downloads.markPaused(job.id);
      return jobs.cancel(job.id);
    },
    'models.cancelDownload': async (p) => {
      const job = jobs.get(p.jobId);
      const params = jobParams('models.download', job);
      if (!params) throw new AppError('NOT_FOUND', `Job ${p.jobId} is not a download`);
      if (job.state === 'succeeded') return job;
      // A stopped job is made live for a moment so that it can end as cancelled like a running one.
      if (job.state !== 'running' && job.state !== 'queued') jobs.resume(job.id);
      jobs.cancel(job.id);
      await jobs.waitFor(job.id);
      await downloads.discardPartials(params);
      return jobs.get(job.id);
    },
    'models.hfCache': () => scanHfCache(deps.hfCache()),
    'models.import': (p, ctx) => library.importPath(p, ctx.signal),
  };
}
