import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { AppError } from '../../shared/errors.js';
import { sleep } from '../util/sleep.js';
import { httpRequest, readBody } from './http-request.js';

/** Where the hub is and who we are, read like huggingface_hub does (HF_ENDPOINT, HF_TOKEN, the token file). */
export interface HubConfig {
  endpoint: string;
  token: string | null;
  /** Idle timeout of every connection (connecting, or waiting for bytes). */
  timeoutMs: number;
  /** Tries of a metadata request (HEAD, file list) on 5xx, 429, a reset or a stall; default 4. */
  attempts?: number;
  /** First back-off before a retry, doubled each time (a `Retry-After` is honoured); default 1000 ms. */
  backoffMs?: number;
}

export function hubConfigFromEnv(env: NodeJS.ProcessEnv = process.env): HubConfig {
  const endpoint = (env.HF_ENDPOINT || 'https://huggingface.co').replace(/\/+$/, '');
  let token = env.HF_TOKEN || env.HUGGING_FACE_HUB_TOKEN || null;
  if (!token) {
    const home = env.HF_HOME || path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'huggingface');
    try {
      token = readFileSync(env.HF_TOKEN_PATH || path.join(home, 'token'), 'utf8').trim() || null;
    } catch {
      token = null;
    }
  }
  return { endpoint, token, timeoutMs: 15_000 };
}

/** What the hub says about one file before we fetch it. */
export interface HubFileMeta {
  file: string;
  size: number;
  /** The LFS oid (sha256) when the file is in LFS; null for small git files (their etag is a git sha1). */
  sha256: string | null;
  etag: string | null;
  commit: string | null;
  /** The URL to GET: the hub's resolve URL (each GET follows its redirect to the CDN). */
  url: string;
}

const treeEntrySchema = z.object({
  type: z.string(),
  path: z.string(),
  size: z.number().optional(),
  oid: z.string().optional(),
  lfs: z.object({ oid: z.string(), size: z.number() }).optional(),
});
export type HubTreeEntry = z.infer<typeof treeEntrySchema>;

const encPath = (p: string): string => p.split('/').map(encodeURIComponent).join('/');
const SHA256 = /^[0-9a-f]{64}$/;

export class HubClient {
  constructor(readonly config: HubConfig) {}

  /** `Authorization` for requests to the hub itself (never sent on to another host). */
  authHeaders(): Record<string, string> {
    return this.config.token ? { authorization: `Bearer ${this.config.token}` } : {};
  }

  resolveUrl(repo: string, revision: string, file: string): string {
    return `${this.config.endpoint}/${repo}/resolve/${encodeURIComponent(revision)}/${encPath(file)}`;
  }

  /**
   * Runs one metadata request again on what a retry can cure: 5xx, 429 (after its `Retry-After`), a
   * reset or a stalled connection. An unreachable host, a refusal (401/403/404) or a cancel ends at once.
   */
  private async retrying<T>(what: string, signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> {
    const attempts = this.config.attempts ?? 4;
    let wait = this.config.backoffMs ?? 1000;
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        const d = (err instanceof AppError ? err.details : null) as {
          retryable?: boolean;
          unreachable?: boolean;
          status?: number;
          retryAfterS?: number;
        } | null;
        const again =
          err instanceof AppError &&
          err.code === 'DISCONNECTED' &&
          d?.unreachable !== true &&
          (d?.status === undefined || d.retryable === true);
        if (!again || attempt >= attempts || signal?.aborted) throw err;
        const ms = d?.retryAfterS !== undefined ? Math.min(60_000, d.retryAfterS * 1000) : wait;
        await sleep(ms, signal).catch(() => {
          throw new AppError('CANCELLED', `Cancelled while retrying ${what}`);
        });
        wait *= 2;
      }
    }
  }

  /** HEAD on the resolve URL without following the redirect, so the X-Linked-* headers of the hub are seen. */
  fileMeta(repo: string, revision: string, file: string, signal?: AbortSignal): Promise<HubFileMeta> {
    return this.retrying(`${repo}/${file}`, signal, () => this.fileMetaOnce(repo, revision, file, signal));
  }

  private async fileMetaOnce(repo: string, revision: string, file: string, signal?: AbortSignal): Promise<HubFileMeta> {
    const url = this.resolveUrl(repo, revision, file);
    let res = await this.request(url, 'HEAD', signal);
    // A relative redirect stays on the hub (renamed repo); follow those, like huggingface_hub.
    for (let hops = 0; res.statusCode && res.statusCode >= 300 && res.statusCode < 400 && hops < 5; hops++) {
      const loc = res.headers.location;
      if (!loc || /^https?:/i.test(loc) || res.headers['x-linked-size'] || res.headers['x-linked-etag']) break;
      res = await this.request(new URL(loc, url).toString(), 'HEAD', signal);
    }
    await this.check(res, repo, revision, file);
    const h = res.headers;
    const etag = String(h['x-linked-etag'] ?? h.etag ?? '')
      .replace(/^W\//, '')
      .replace(/"/g, '');
    const size = Number(h['x-linked-size'] ?? h['content-length']);
    if (!Number.isFinite(size))
      throw new AppError('INTERNAL', `The hub gave no size for ${repo}/${file}`, { details: { repo, file } });
    return {
      file,
      size,
      sha256: SHA256.test(etag) ? etag : null,
      etag: etag || null,
      commit: typeof h['x-repo-commit'] === 'string' ? h['x-repo-commit'] : null,
      url,
    };
  }

  /** Every file of a repo at a revision (recursive, following the `Link: next` pages). */
  async listFiles(repo: string, revision: string, signal?: AbortSignal): Promise<HubTreeEntry[]> {
    let url: string | null =
      `${this.config.endpoint}/api/models/${repo}/tree/${encodeURIComponent(revision)}?recursive=true`;
    const out: HubTreeEntry[] = [];
    while (url) {
      const page: string = url;
      const body = await this.retrying(`the file list of ${repo}`, signal, async () => {
        const res = await this.request(page, 'GET', signal);
        await this.check(res, repo, revision, null);
        return { text: await readBody(res), link: String(res.headers.link ?? '') };
      });
      const parsed = z.array(treeEntrySchema).safeParse(JSON.parse(body.text));
      if (!parsed.success)
        throw new AppError('INTERNAL', `The hub's file list of ${repo} is not what it should be`, {
          details: { repo, issue: parsed.error.issues[0]?.message },
        });
      out.push(...parsed.data.filter((e) => e.type === 'file'));
      const next = /<([^>]+)>;\s*rel="next"/.exec(body.link);
      url = next?.[1] ? new URL(next[1], url).toString() : null;
    }
    return out;
  }

  private request(url: string, method: 'GET' | 'HEAD', signal?: AbortSignal): Promise<IncomingMessage> {
    return httpRequest(url, { method, headers: this.authHeaders(), signal, idleTimeoutMs: this.config.timeoutMs });
  }

  /** Turns the hub's refusals into errors a person can act on. */
  private async check(res: IncomingMessage, repo: string, revision: string, file: string | null): Promise<void> {
    const status = res.statusCode ?? 0;
    if (status < 400) return;
    const code = String(res.headers['x-error-code'] ?? '');
    const text = res.method === 'HEAD' ? '' : await readBody(res, 64 << 10).catch(() => '');
    res.resume();
    const what = file ? `${repo}/${file}` : repo;
    const details = { repo, revision, file, status, hubError: code || null };
    if (code === 'EntryNotFound' || (status === 404 && file && code !== 'RepoNotFound' && code !== 'RevisionNotFound'))
      throw new AppError('NOT_FOUND', `${repo} has no file ${file} at ${revision}`, {
        hint: 'Check the file name: `labforge models pull REPO` lists the whole repo.',
        details,
      });
    if (code === 'RevisionNotFound')
      throw new AppError('NOT_FOUND', `${repo} has no revision ${revision}`, { details });
    if (status === 401 || status === 403 || code === 'GatedRepo') {
      const gated = code === 'GatedRepo' || /gated|restricted/i.test(text);
      if (this.config.token)
        throw new AppError(
          status === 403 || gated ? 'FORBIDDEN' : 'UNAUTHORIZED',
          `The hub refused the token for ${what} (${status})`,
          {
            hint: gated
              ? `Accept the terms of ${repo} on its hub page with the account of this token, then retry.`
              : 'The token in HF_TOKEN is wrong or expired, or it cannot read this repo: set a valid read token.',
            details,
          },
        );
      throw new AppError('UNAUTHORIZED', `${what} is gated or private, or does not exist: the hub asks for a token`, {
        hint: "Create a read token on the hub (Settings → Access Tokens), accept the repo's terms, and set HF_TOKEN (or run `huggingface-cli login`).",
        details,
      });
    }
    if (status === 404) throw new AppError('NOT_FOUND', `No repository ${repo} on the hub`, { details });
    const retryAfter = Number(res.headers['retry-after']);
    throw new AppError('DISCONNECTED', `The hub answered ${status} for ${what}`, {
      details: {
        ...details,
        retryable: status >= 500 || status === 429,
        ...(Number.isFinite(retryAfter) && retryAfter >= 0 ? { retryAfterS: retryAfter } : {}),
      },
    });
  }
}
