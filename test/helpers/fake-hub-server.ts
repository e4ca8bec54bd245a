import { createHash } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** How the fake CDN misbehaves for one file. */
export interface FileFaults {
  /** The hub advertises this sha256 (X-Linked-Etag) instead of the real one. */
  wrongSha256?: string;
  /** Drop the connection after sending this many bytes of a response, for the first `dropTimes` responses. */
  dropAfterBytes?: number;
  dropTimes?: number;
  /** Send this many bytes, then stop sending (the socket stays open) on the first response. */
  stallAfterBytes?: number;
  /** Bytes per second per response (paces the CDN so a test can stop it mid-file). */
  bytesPerSecond?: number;
}

export interface FakeFile {
  data: Buffer;
  /** Stored in LFS (redirect to the CDN, X-Linked-* headers); default: files over 1 kB. */
  lfs?: boolean;
  faults?: FileFaults;
}

export interface FakeRepo {
  commit?: string;
  /** Requests need `Authorization: Bearer <token>`; the hub answers 401 GatedRepo otherwise. */
  gatedToken?: string;
  files: Record<string, FakeFile>;
  /** The hub itself (HEAD, GET of resolve URLs, the tree listing) answers `status` to the first `times` requests. */
  hubFailures?: { status: number; times: number; retryAfterS?: number };
}

export interface FakeHub {
  /** The value for HF_ENDPOINT. */
  endpoint: string;
  cdnOrigin: string;
  repos: Map<string, FakeRepo>;
  /** Every request to either server: path, method, Range header, bytes of body sent. */
  log: { server: 'hub' | 'cdn'; method: string; path: string; range: string | null; sent: number; status: number }[];
  /** Body bytes the CDN sent for `file` (all requests). */
  bytesSent(repo: string, file: string): number;
  close(): Promise<void>;
}

// The hub stores these; computing them per request would make every Range GET pay for hashing the whole file.
const memo = (f: (b: Buffer) => string): ((b: Buffer) => string) => {
  const known = new WeakMap<Buffer, string>();
  return (b) => {
    let v = known.get(b);
    if (v === undefined) known.set(b, (v = f(b)));
    return v;
  };
};
const sha = memo((b) => createHash('sha256').update(b).digest('hex'));
const gitOid = memo((b) => createHash('sha1').update(`blob ${b.length}\0`).update(b).digest('hex'));

/**
 * A local stand-in for the Hugging Face hub that speaks its download protocol: `resolve` URLs
 * (HEAD and GET; LFS files redirect to a second, CDN-like server with X-Linked-Etag/X-Linked-Size/
 * X-Repo-Commit), Range requests (206), the `api/models/.../tree` listing, 401 for gated repos,
 * 404 with X-Error-Code, and on purpose: dropped connections, stalls, wrong checksums, pacing.
 */
export async function startFakeHub(repos: Record<string, FakeRepo> = {}): Promise<FakeHub> {
  const map = new Map(Object.entries(repos));
  const log: FakeHub['log'] = [];
  const responses = new Map<string, number>();
  const sentBytes = new Map<string, number>();
  const sockets = new Set<import('node:net').Socket>();

  const find = (repo: string, file: string): { r: FakeRepo; f: FakeFile } | null => {
    const r = map.get(repo);
    const f = r?.files[file];
    return r && f ? { r, f } : null;
  };
  const isLfs = (f: FakeFile): boolean => f.lfs ?? f.data.length > 1024;
  const entry = {
    server: 'hub' as 'hub' | 'cdn',
    method: '',
    path: '',
    range: null as string | null,
    sent: 0,
    status: 0,
  };

  const sendBody = (req: IncomingMessage, res: ServerResponse, key: string, f: FakeFile, e: typeof entry): void => {
    const size = f.data.length;
    const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    let start = 0;
    let end = size - 1;
    if (m) {
      start = Number(m[1]);
      end = m[2] ? Math.min(Number(m[2]), size - 1) : size - 1;
      if (start >= size || start > end) {
        res.writeHead(416, { 'content-range': `bytes */${size}` }).end();
        e.status = 416;
        return;
      }
      res.statusCode = 206;
      res.setHeader('content-range', `bytes ${start}-${end}/${size}`);
    } else res.statusCode = 200;
    e.status = res.statusCode;
    res.setHeader('accept-ranges', 'bytes');
    res.setHeader('content-length', end - start + 1);
    res.setHeader('etag', `"${isLfs(f) ? sha(f.data) : gitOid(f.data)}"`);
    if (req.method === 'HEAD') return void res.end();
    const n = (responses.get(key) ?? 0) + 1;
    responses.set(key, n);
    const faults = f.faults ?? {};
    let limit = end - start + 1;
    let drop = false;
    let stall = false;
    if (faults.dropAfterBytes !== undefined && n <= (faults.dropTimes ?? 1) && faults.dropAfterBytes < limit) {
      limit = faults.dropAfterBytes;
      drop = true;
    } else if (faults.stallAfterBytes !== undefined && n === 1 && faults.stallAfterBytes < limit) {
      limit = faults.stallAfterBytes;
      stall = true;
    }
    const count = (k: number): void => {
      e.sent += k;
      sentBytes.set(key, (sentBytes.get(key) ?? 0) + k);
    };
    const finish = (): void => {
      if (drop) res.socket?.destroy();
      else if (!stall) res.end();
    };
    if (!faults.bytesPerSecond) {
      count(limit);
      res.write(f.data.subarray(start, start + limit), () => finish());
      return;
    }
    const chunk = Math.max(1024, Math.floor(faults.bytesPerSecond / 20));
    let at = start;
    const stop = start + limit;
    const tick = (): void => {
      if (res.destroyed) return;
      const k = Math.min(chunk, stop - at);
      count(k);
      res.write(f.data.subarray(at, at + k));
      at += k;
      if (at >= stop) finish();
      else setTimeout(tick, 50);
    };
    tick();
  };

  const hub = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const e = {
      ...entry,
      server: 'hub' as const,
      method: req.method ?? '',
      path: url.pathname,
      range: req.headers.range ?? null,
    };
    log.push(e);
    const fail = (status: number, code: string, message: string): void => {
      e.status = status;
      res.writeHead(status, { 'x-error-code': code, 'content-type': 'application/json' });
      res.end(req.method === 'HEAD' ? undefined : JSON.stringify({ error: message }));
    };
    const tree = /^\/api\/models\/([^/]+\/[^/]+)\/tree\/([^/]+)$/.exec(url.pathname);
    const resolve = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname);
    const repoName = decodeURIComponent(tree?.[1] ?? resolve?.[1] ?? '');
    const r = map.get(repoName);
    if (!tree && !resolve) return fail(404, 'NotFound', 'no such route');
    if (!r) return fail(404, 'RepoNotFound', `Repository ${repoName} not found`);
    if (r.hubFailures && r.hubFailures.times > 0) {
      r.hubFailures.times--;
      e.status = r.hubFailures.status;
      const h: Record<string, string> = {};
      if (r.hubFailures.retryAfterS !== undefined) h['retry-after'] = String(r.hubFailures.retryAfterS);
      return void res.writeHead(r.hubFailures.status, h).end();
    }
    if (r.gatedToken && req.headers.authorization !== `Bearer ${r.gatedToken}`)
      return fail(
        401,
        'GatedRepo',
        `Access to model ${repoName} is restricted. You must have access to it and be authenticated.`,
      );
    const commit = r.commit ?? 'a'.repeat(40);
    const rev = decodeURIComponent(tree?.[2] ?? resolve?.[2] ?? '');
    if (rev !== 'main' && rev !== commit) return fail(404, 'RevisionNotFound', `Invalid rev id: ${rev}`);
    if (tree) {
      e.status = 200;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify(
          Object.entries(r.files).map(([p, f]) => ({
            type: 'file',
            path: p,
            size: f.data.length,
            oid: gitOid(f.data),
            ...(isLfs(f) ? { lfs: { oid: sha(f.data), size: f.data.length, pointerSize: 134 } } : {}),
          })),
        ),
      );
      return;
    }
    const file = decodeURIComponent(resolve![3]!);
    const found = find(repoName, file);
    if (!found) return fail(404, 'EntryNotFound', `${file} does not exist on "${rev}"`);
    res.setHeader('x-repo-commit', commit);
    if (isLfs(found.f)) {
      const oid = found.f.faults?.wrongSha256 ?? sha(found.f.data);
      e.status = 302;
      res.writeHead(302, {
        location: `${cdnOrigin}/repos/${encodeURIComponent(repoName)}/${encodeURIComponent(file)}?X-Amz-Signature=fake`,
        'x-linked-etag': `"${oid}"`,
        'x-linked-size': String(found.f.data.length),
        etag: `"${oid}"`,
      });
      return void res.end();
    }
    sendBody(req, res, `${repoName}/${file}`, found.f, e);
  });

  const cdn = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const e = {
      ...entry,
      server: 'cdn' as const,
      method: req.method ?? '',
      path: url.pathname,
      range: req.headers.range ?? null,
    };
    log.push(e);
    const m = /^\/repos\/([^/]+)\/([^/]+)$/.exec(url.pathname);
    const found = m ? find(decodeURIComponent(m[1]!), decodeURIComponent(m[2]!)) : null;
    if (!m || !found || req.headers.authorization) {
      e.status = found ? 400 : 404;
      return void res.writeHead(e.status).end(found ? 'the CDN must not receive the hub token' : 'no such blob');
    }
    sendBody(req, res, `${decodeURIComponent(m[1]!)}/${decodeURIComponent(m[2]!)}`, found.f, e);
  });

  for (const s of [hub, cdn]) s.on('connection', (c) => (sockets.add(c), c.on('close', () => sockets.delete(c))));
  const listen = (s: http.Server): Promise<number> =>
    new Promise((res) => s.listen(0, '127.0.0.1', () => res((s.address() as AddressInfo).port)));
  const [hubPort, cdnPort] = await Promise.all([listen(hub), listen(cdn)]);
  const cdnOrigin = `http://127.0.0.1:${cdnPort}`;
  hub.unref();
  cdn.unref();
  return {
    endpoint: `http://127.0.0.1:${hubPort}`,
    cdnOrigin,
    repos: map,
    log,
    bytesSent: (repo, file) => sentBytes.get(`${repo}/${file}`) ?? 0,
    close: async () => {
      for (const c of sockets) c.destroy();
      await Promise.all([hub, cdn].map((s) => new Promise<void>((r) => s.close(() => r()))));
    },
  };
}

/** Deterministic pseudo-random bytes (fast; a test file of any size). */
export function randomBytesOf(size: number, seed = 1): Buffer {
  const b = Buffer.allocUnsafe(size);
  let x = seed >>> 0 || 1;
  for (let i = 0; i + 4 <= size; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b.writeUInt32LE(x >>> 0, i);
  }
  for (let i = size - (size % 4); i < size; i++) b[i] = i & 0xff;
  return b;
}

export const sha256Of = sha;
