import type { ModelDownloadParams } from '../../shared/contract/index.js';
import { AppError } from '../../shared/errors.js';
import { cachedCommit, cachedFile, type CachedFile } from './hf-cache.js';
import type { HubClient, HubFileMeta } from './hub-client.js';

/** One file of a download: what the hub says, and its copy in the HF cache when there is one. */
export interface Planned {
  meta: HubFileMeta;
  cached: CachedFile | null;
}

/** Weights of other frameworks, skipped when a repo also has safetensors. */
const OTHER_WEIGHTS = /\.(bin|pt|pth|ckpt|pkl|h5|msgpack|onnx|ot|tflite|mlmodel|gguf)$|^(onnx|openvino|coreml)\//i;

/** The files to fetch with what the hub says about them: the named files, or the repo's weights and configs. */
export async function planDownload(hub: HubClient, p: ModelDownloadParams, signal: AbortSignal): Promise<Planned[]> {
  if (p.files.length > 0) {
    const metas = [];
    for (const f of p.files) metas.push(await hub.fileMeta(p.repo, p.revision, f, signal));
    return metas.map((meta) => ({ meta, cached: null }));
  }
  const all = await hub.listFiles(p.repo, p.revision, signal);
  const names = all.map((e) => e.path);
  const hasSafetensors = names.some((n) => n.endsWith('.safetensors'));
  if (!hasSafetensors) {
    const ggufs = names.filter((n) => n.endsWith('.gguf'));
    if (ggufs.length > 0)
      throw new AppError('INVALID_REQUEST', `${p.repo} is a repo of GGUF files: name the one you want`, {
        hint: `For example: labforge models pull ${p.repo} ${ggufs[0]}`,
        details: { files: ggufs },
      });
    if (names.some((n) => /\.(bin|pt|pth)$/.test(n)))
      throw new AppError(
        'MODEL_INVALID',
        `${p.repo} has only PyTorch .bin pickles, which can run code when loaded; LabForge downloads safetensors weights`,
        {
          details: { files: names },
        },
      );
    throw new AppError('MODEL_INVALID', `${p.repo} has no model weights (no .safetensors or .gguf files)`, {
      details: { files: names },
    });
  }
  const wanted = all.filter((e) => !OTHER_WEIGHTS.test(e.path) && e.path !== '.gitattributes');
  const first = await hub.fileMeta(
    p.repo,
    p.revision,
    wanted.find((e) => e.path === 'config.json')?.path ?? wanted[0]!.path,
    signal,
  );
  const rev = first.commit ?? p.revision;
  return wanted.map((e) => ({
    meta:
      e.path === first.file
        ? first
        : {
            file: e.path,
            size: e.lfs?.size ?? e.size ?? 0,
            sha256: e.lfs?.oid ?? null,
            etag: e.lfs?.oid ?? e.oid ?? null,
            commit: first.commit,
            url: hub.resolveUrl(p.repo, rev, e.path),
          },
    cached: null,
  }));
}

/** Without the hub: the requested files when the cache has them all. */
export async function offlinePlan(cache: string, p: ModelDownloadParams): Promise<Planned[] | null> {
  const commit = await cachedCommit(cache, p.repo, p.revision);
  if (!commit || p.files.length === 0) return null;
  const out: Planned[] = [];
  for (const file of p.files) {
    const c = await cachedFile(cache, p.repo, commit, file);
    if (!c) return null;
    out.push({ meta: { file, size: c.sizeBytes, sha256: null, etag: c.blob, commit, url: '' }, cached: c });
  }
  return out;
}
