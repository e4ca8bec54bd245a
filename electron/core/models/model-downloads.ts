import { copyFile, link, mkdir, readdir, realpath, rename, rm, rmdir, stat, statfs } from 'node:fs/promises';
import path from 'node:path';
import type { JobInfo, ModelDownloadParams, ModelDownloadResult, ModelInfo } from '../../shared/contract/index.js';
import { AppError } from '../../shared/errors.js';
import { defineJob, type DefinedJobKind, type JobContext } from '../jobs/job-kind.js';
import { downloadFile, partPathOf, removePartial, resumableBytes } from './file-download.js';
import { inspectGguf } from './gguf-file.js';
import { offlinePlan, planDownload, type Planned } from './download-plan.js';
import { cachedCommit, cachedFile } from './hf-cache.js';
import { inspectHfFolder } from './hf-folder.js';
import { isUnreachable } from './http-request.js';
import { HubClient, hubConfigFromEnv, type HubConfig } from './hub-client.js';
import type { ModelLibrary } from './model-library.js';

export interface ModelDownloadsOptions {
  library: ModelLibrary;
  /** `<dataDir>/models`; downloads go to `hub/<owner>--<name>/<commit>/`. */
  modelsDir: string;
  hub?: () => HubConfig;
  hfCache: () => string;
  /** Free bytes where the files go (tests simulate a full disk with it). */
  freeBytes?: (dir: string) => Promise<number>;
  connections?: number;
  minSegmentBytes?: number;
  /** See FileDownloadRequest: the rate at which one connection is enough. */
  fastBytesPerSecond?: number;
  stallMs?: number;
  backoffMs?: number;
}

/** Room kept free beyond what the files need. */
const MARGIN = 64 << 20;

const freeBytesOf = async (dir: string): Promise<number> => {
  const s = await statfs(dir);
  return s.bavail * s.bsize;
};

/** The `models.download` job: plans, checks, downloads, verifies and registers a hub repo or some of its files. */
export class ModelDownloads {
  private readonly pausing = new Set<string>();
  private readonly busy = new Map<string, string>();
  private readonly dirs = new Map<string, string>();
  readonly job: DefinedJobKind<'models.download'>;

  constructor(private readonly o: ModelDownloadsOptions) {
    this.job = defineJob('models.download', {
      title: (p) => `Download ${p.repo}${p.files.length === 1 ? `/${p.files[0]}` : ''}`,
      resumable: true,
      run: (ctx) => this.run(ctx),
    });
  }

  /** Marks a running download as paused before the job manager stops it: its partial files stay. */
  markPaused(jobId: string): void {
    this.pausing.add(jobId);
  }

  /**
   * Deletes what a stopped download left (`.part` files) in every revision folder of its repo,
   * except files another running download is writing.
   */
  async discardPartials(params: ModelDownloadParams): Promise<void> {
    const root = path.join(this.o.modelsDir, 'hub', params.repo.replace('/', '--'));
    for (const rev of await readdir(root).catch(() => [])) {
      const dir = path.join(root, rev);
      const names = (await readdir(dir, { recursive: true }).catch(() => [])).filter((n) => /\.part(\.json)?$/.test(n));
      for (const n of names) {
        const file = n.replace(/\.part(\.json)?$/, '');
        if (params.files.length > 0 && !params.files.includes(file)) continue;
        if (this.busy.has(path.join(dir, file))) continue;
        await rm(path.join(dir, n), { force: true });
      }
      await rmdir(dir).catch(() => undefined);
    }
    await rmdir(root).catch(() => undefined);
  }

  /** Called on every job change: a download cancelled (not paused) loses its partial files. */
  async onJobChanged(job: JobInfo): Promise<void> {
    if (job.kind !== 'models.download' || job.state !== 'cancelled') return;
    if (this.pausing.delete(job.id)) return;
    const dir = this.dirs.get(job.id);
    if (!dir) return;
    this.dirs.delete(job.id);
    for (const n of await readdir(dir).catch(() => []))
      if (/\.part(\.json)?$/.test(n)) await rm(path.join(dir, n), { force: true });
    await rmdir(dir).catch(() => undefined);
  }

  private hub(): HubClient {
    return new HubClient(this.o.hub?.() ?? hubConfigFromEnv());
  }

  private async run(ctx: JobContext<ModelDownloadParams>): Promise<ModelDownloadResult> {
    const p = ctx.params;
    for (const f of p.files) assertSafeName(f, p.repo);
    const hub = this.hub();
    const cache = this.o.hfCache();
    ctx.report({ stage: 'Asking the hub', fraction: null });
    let planned: Planned[];
    try {
      planned = await planDownload(hub, p, ctx.signal);
    } catch (err) {
      if (!isUnreachable(err)) throw err;
      const offline = await offlinePlan(cache, p);
      if (!offline) throw err;
      ctx.log(`The hub is unreachable; using ${p.repo} from the Hugging Face cache`, 'warn');
      planned = offline;
    }
    for (const f of planned) assertSafeName(f.meta.file, p.repo);
    const commit = planned.find((f) => f.meta.commit)?.meta.commit ?? null;
    for (const f of planned) {
      const c = await cachedFile(
        cache,
        p.repo,
        commit ?? (await cachedCommit(cache, p.repo, p.revision)) ?? p.revision,
        f.meta.file,
      );
      f.cached = f.cached ?? (c && (f.meta.sha256 ? c.blob === f.meta.sha256 : c.sizeBytes === f.meta.size) ? c : null);
    }
    const files = planned.map((f) => f.meta.file);
    const single = files.length === 1 && files[0]!.toLowerCase().endsWith('.gguf');
    const source = { repo: p.repo, revision: p.revision, commit, files, catalogId: p.catalogId ?? null };

    if (planned.every((f) => f.cached)) {
      ctx.log(`All ${files.length} file(s) are in the Hugging Face cache (${cache}); nothing to download`);
      const c0 = planned[0]!.cached!;
      const snap = c0.path.slice(0, c0.path.length - files[0]!.length - 1);
      const model = await this.registerModel(
        p,
        single ? c0.path : snap,
        single,
        { ...source, origin: 'hf-cache' },
        snap,
        f0sha(planned),
      );
      return {
        modelId: model.id,
        path: model.path,
        files: planned.map((f) => ({
          path: f.cached!.path,
          sizeBytes: f.meta.size,
          sha256: f.meta.sha256,
          origin: 'hf-cache' as const,
        })),
        bytesDownloaded: 0,
      };
    }

    const saved = ctx.resumeState as { dir?: string; bytesDownloaded?: number } | null;
    const dir =
      saved?.dir ??
      path.join(
        this.o.modelsDir,
        'hub',
        p.repo.replace('/', '--'),
        (commit ?? p.revision).slice(0, 12).replace(/[^\w.-]/g, '_'),
      );
    const keys = planned.map((f) => path.join(dir, f.meta.file));
    const owner = keys.map((k) => this.busy.get(k)).find((o) => o && o !== ctx.id);
    if (owner)
      throw new AppError('CONFLICT', `${p.repo} is already being downloaded by job ${owner}`, {
        details: { jobId: owner },
      });
    for (const k of keys) this.busy.set(k, ctx.id);
    this.dirs.set(ctx.id, dir);
    let bytesDownloaded = saved?.bytesDownloaded ?? 0;
    ctx.saveResumeState({ dir, bytesDownloaded });
    try {
      await mkdir(dir, { recursive: true });
      return await this.fetchAll(ctx, planned, dir, single, { ...source, origin: 'download' }, (n) => {
        bytesDownloaded += n;
        return bytesDownloaded;
      });
    } catch (err) {
      if (ctx.signal.aborted && this.pausing.has(ctx.id)) ctx.report({ stage: 'paused', etaSeconds: null });
      else if (ctx.signal.aborted) ctx.report({ stage: 'stopped', etaSeconds: null });
      throw err;
    } finally {
      ctx.saveResumeState({ dir, bytesDownloaded });
      for (const k of keys) this.busy.delete(k);
    }
  }

  private async fetchAll(
    ctx: JobContext<ModelDownloadParams>,
    planned: Planned[],
    dir: string,
    single: boolean,
    source: NonNullable<ModelInfo['source']>,
    addBytes: (n: number) => number,
  ): Promise<ModelDownloadResult> {
    const dests = planned.map((f) => path.join(dir, ...f.meta.file.split('/')));
    const have = await Promise.all(
      planned.map(async (f, i) => {
        const done = (await stat(dests[i]!).catch(() => null))?.size === f.meta.size;
        return done || f.cached ? f.meta.size : resumableBytes(dests[i]!, f.meta.size, f.meta.etag);
      }),
    );
    const total = planned.reduce((a, f) => a + f.meta.size, 0);
    const needed = planned.reduce((a, f, i) => a + (f.cached ? 0 : f.meta.size - have[i]!), 0);
    const free = await (this.o.freeBytes ?? freeBytesOf)(dir);
    if (needed + MARGIN > free)
      throw new AppError(
        'DISK_FULL',
        `Not enough disk space for ${source.repo}: it needs ${gb(needed)} more, ${gb(free)} is free at ${dir}`,
        {
          hint: 'Free some space (or delete models you no longer use), then resume the download.',
          details: { needed, free, dir },
        },
      );
    let done = have.reduce((a, b) => a + b, 0);
    const started = Date.now();
    let window: { t: number; bytes: number }[] = [{ t: started, bytes: done }];
    const progress = (stage: string): void => {
      const now = Date.now();
      window.push({ t: now, bytes: done });
      window = window.filter((w) => now - w.t <= 5000);
      const first = window[0]!;
      const speed = now > first.t ? ((done - first.bytes) * 1000) / (now - first.t) : 0;
      ctx.report({
        stage,
        fraction: total > 0 ? done / total : 1,
        etaSeconds: speed > 0 ? Math.round((total - done) / speed) : null,
        metrics: { bytesDone: done, bytesTotal: total, bytesPerSecond: Math.round(speed) },
      });
    };
    const out: ModelDownloadResult['files'] = [];
    for (const [i, f] of planned.entries()) {
      const dest = dests[i]!;
      const label = `${f.meta.file} (${i + 1}/${planned.length})`;
      await mkdir(path.dirname(dest), { recursive: true });
      if ((await stat(dest).catch(() => null))?.size === f.meta.size) {
        out.push({ path: dest, sizeBytes: f.meta.size, sha256: f.meta.sha256, origin: 'resumed' });
        continue;
      }
      if (f.cached) {
        ctx.log(`${f.meta.file}: from the Hugging Face cache`);
        const blob = await realpath(f.cached.path);
        await link(blob, partPathOf(dest)).catch(() => copyFile(blob, partPathOf(dest)));
        await rename(partPathOf(dest), dest);
        out.push({ path: dest, sizeBytes: f.meta.size, sha256: f.meta.sha256, origin: 'hf-cache' });
        continue;
      }
      progress(`Downloading ${label}`);
      const r = await downloadFile({
        url: f.meta.url,
        headers: this.hub().authHeaders(),
        dest,
        size: f.meta.size,
        etag: f.meta.etag,
        sha256: f.meta.sha256,
        signal: ctx.signal,
        connections: this.o.connections,
        minSegmentBytes: this.o.minSegmentBytes,
        fastBytesPerSecond: this.o.fastBytesPerSecond,
        stallMs: this.o.stallMs,
        backoffMs: this.o.backoffMs,
        log: (m) => ctx.log(m, 'warn'),
        onBytes: (n) => {
          done += n;
          const all = addBytes(n);
          if (all % (1 << 20) < n) ctx.saveResumeState({ dir, bytesDownloaded: all });
          progress(`Downloading ${label}`);
        },
      });
      if (dest.toLowerCase().endsWith('.gguf')) {
        progress(`Checking ${label}`);
        await inspectGguf(r.part).catch(async (err: unknown) => {
          await removePartial(dest);
          throw err instanceof AppError
            ? new AppError(err.code, err.message.replace(/\.part\b/, ''), {
                hint: err.hint,
                details: { ...(err.details as object), file: f.meta.file },
              })
            : err;
        });
      }
      await rename(r.part, dest);
      await rm(`${dest}.part.json`, { force: true });
      ctx.log(`${f.meta.file}: ${gb(f.meta.size)}, sha256 ${r.sha256}${f.meta.sha256 ? ' (matches the hub)' : ''}`);
      out.push({
        path: dest,
        sizeBytes: f.meta.size,
        sha256: r.sha256,
        origin: r.resumedFrom > 0 ? 'resumed' : 'download',
      });
    }
    progress('Registering');
    const model = await this.registerModel(
      ctx.params,
      single ? dests[0]! : dir,
      single,
      source,
      dir,
      out[0]?.sha256 ?? null,
    );
    return { modelId: model.id, path: model.path, files: out, bytesDownloaded: addBytes(0) };
  }

  private async registerModel(
    p: ModelDownloadParams,
    target: string,
    single: boolean,
    source: NonNullable<ModelInfo['source']>,
    folder: string,
    sha256: string | null = null,
  ): Promise<ModelInfo> {
    const base = p.repo.split('/')[1]!;
    if (single) {
      const { sizeBytes, summary } = await inspectGguf(target);
      const name = p.name ?? path.basename(target).replace(/\.gguf$/i, '');
      return this.o.library.register({
        name,
        format: 'gguf',
        path: target,
        sizeBytes,
        sha256,
        gguf: summary,
        source,
        roles: p.roles,
      });
    }
    const { sizeBytes, summary } = await inspectHfFolder(folder);
    return this.o.library.register({
      name: p.name ?? base,
      format: 'safetensors',
      path: folder,
      sizeBytes,
      gguf: summary,
      source,
      roles: p.roles,
    });
  }
}

const f0sha = (planned: Planned[]): string | null => {
  const blob = planned[0]?.cached?.blob ?? '';
  return planned[0]?.meta.sha256 ?? (/^[0-9a-f]{64}$/.test(blob) ? blob : null);
};

/** A file name from the request or the hub's listing never leaves the download folder. */
function assertSafeName(file: string, repo: string): void {
  const parts = file.split('/');
  if (path.isAbsolute(file) || file.includes('\\') || parts.some((x) => x === '..' || x === '' || x === '.'))
    throw new AppError('INVALID_REQUEST', `Unsafe file name "${file}" for ${repo}`, { details: { file } });
}

const gb = (n: number): string => (n >= 1e9 ? `${(n / 1e9).toFixed(2)} GB` : `${(n / 1e6).toFixed(1)} MB`);
