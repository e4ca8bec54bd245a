import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { HfCacheEntry } from '../../shared/contract/index.js';

/** The Hugging Face hub cache, found like huggingface_hub finds it. */
export function hfCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.HF_HUB_CACHE) return env.HF_HUB_CACHE;
  if (env.HUGGINGFACE_HUB_CACHE) return env.HUGGINGFACE_HUB_CACHE;
  const home = env.HF_HOME || path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'huggingface');
  return path.join(home, 'hub');
}

const repoDir = (cache: string, repo: string): string => path.join(cache, `models--${repo.replace('/', '--')}`);

/** The commit a revision names in the cache: itself when it is a commit, else `refs/<revision>`. */
export async function cachedCommit(cache: string, repo: string, revision: string): Promise<string | null> {
  if (/^[0-9a-f]{40}$/.test(revision)) return revision;
  try {
    return (await readFile(path.join(repoDir(cache, repo), 'refs', revision), 'utf8')).trim() || null;
  } catch {
    return null;
  }
}

export interface CachedFile {
  /** `snapshots/<commit>/<file>` (a symlink into `blobs/`). */
  path: string;
  /** The blob name: the etag of the file, its sha256 for LFS files. */
  blob: string;
  sizeBytes: number;
}

/** A file of `repo` at `commit` in the cache, or null. */
export async function cachedFile(
  cache: string,
  repo: string,
  commit: string,
  file: string,
): Promise<CachedFile | null> {
  const p = path.join(repoDir(cache, repo), 'snapshots', commit, ...file.split('/'));
  try {
    const [st, real] = await Promise.all([stat(p), realpath(p)]);
    return st.isFile() ? { path: p, blob: path.basename(real), sizeBytes: st.size } : null;
  } catch {
    return null;
  }
}

async function walk(dir: string, rel = ''): Promise<{ path: string; sizeBytes: number }[]> {
  const out: { path: string; sizeBytes: number }[] = [];
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    const full = path.join(dir, e.name);
    const st = await stat(full).catch(() => null);
    if (!st) continue; // a dangling symlink: the blob was deleted
    if (st.isDirectory()) out.push(...(await walk(full, r)));
    else out.push({ path: r, sizeBytes: st.size });
  }
  return out;
}

/** Every model snapshot in the cache, named by the ref that points at it when there is one. */
export async function scanHfCache(cache: string): Promise<HfCacheEntry[]> {
  const out: HfCacheEntry[] = [];
  for (const d of await readdir(cache).catch(() => [])) {
    const m = /^models--(.+?)--(.+)$/.exec(d);
    if (!m) continue;
    const repo = `${m[1]}/${m[2]}`;
    const refs = new Map<string, string>();
    for (const r of await readdir(path.join(cache, d, 'refs')).catch(() => [])) {
      const c = (await readFile(path.join(cache, d, 'refs', r), 'utf8').catch(() => '')).trim();
      if (c) refs.set(c, r);
    }
    for (const commit of await readdir(path.join(cache, d, 'snapshots')).catch(() => [])) {
      const snap = path.join(cache, d, 'snapshots', commit);
      const files = await walk(snap);
      if (files.length > 0) out.push({ repo, revision: refs.get(commit) ?? commit, path: snap, files });
    }
  }
  return out;
}
