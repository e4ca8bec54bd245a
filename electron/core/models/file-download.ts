import { createHash } from 'node:crypto';
import { open, readFile, rm, stat, type FileHandle } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { AppError } from '../../shared/errors.js';
import { writeFileAtomic } from '../util/fs.js';
import { sleep } from '../util/sleep.js';
import { httpRequest } from './http-request.js';

/** A byte range of the file `[start, end)`; `pos` is the next byte to fetch (everything before it is on disk). */
interface Segment {
  start: number;
  end: number;
  pos: number;
}

/** `<file>.part.json` beside `<file>.part`: what a resume needs (written at most every second, never ahead of the data). */
interface PartState {
  v: 1;
  size: number;
  etag: string | null;
  segments: Segment[];
}

export interface FileDownloadRequest {
  /** The hub's resolve URL; each request follows its redirect (CDN URLs are signed and expire). */
  url: string;
  /** Sent to the hub only, dropped when a redirect leaves its host. */
  headers: Record<string, string>;
  /** The final name; the data goes to `dest.part` and the caller renames it after its own checks. */
  dest: string;
  size: number;
  etag: string | null;
  sha256: string | null;
  signal: AbortSignal;
  /** Bytes newly written (for progress and speed). */
  onBytes(n: number): void;
  log?(message: string): void;
  /** Parallel Range requests for a large file (default 4). */
  connections?: number;
  /** Files smaller than this use one connection (default 32 MiB). */
  minSegmentBytes?: number;
  /** No bytes for this long restarts the request (default 20 s). */
  stallMs?: number;
  retries?: number;
  backoffMs?: number;
}

export interface FileDownloadOutcome {
  part: string;
  sha256: string;
  /** Bytes fetched in this call. */
  fetched: number;
  /** Bytes that were already on disk from an earlier, interrupted call. */
  resumedFrom: number;
}

const statePathOf = (dest: string): string => `${dest}.part.json`;
export const partPathOf = (dest: string): string => `${dest}.part`;

/** Bytes of `dest` already downloaded by an interrupted run (0 when there is nothing to resume). */
export async function resumableBytes(dest: string, size: number, etag: string | null): Promise<number> {
  const s = await loadState(dest, size, etag);
  return s ? s.segments.reduce((a, g) => a + g.pos - g.start, 0) : 0;
}

export async function removePartial(dest: string): Promise<void> {
  await rm(partPathOf(dest), { force: true });
  await rm(statePathOf(dest), { force: true });
}

async function loadState(dest: string, size: number, etag: string | null): Promise<PartState | null> {
  try {
    const s = JSON.parse(await readFile(statePathOf(dest), 'utf8')) as PartState;
    const st = await stat(partPathOf(dest));
    if (s.v !== 1 || s.size !== size || st.size !== size || (etag && s.etag && s.etag !== etag)) return null;
    return s;
  } catch {
    return null;
  }
}

/** Connections for a file: one per `minSegment` bytes, at most `connections`. */
const connectionsFor = (size: number, connections: number, minSegment: number): number =>
  Math.max(1, Math.min(connections, Math.floor(size / minSegment)));

/**
 * The file cut into blocks fetched in file order by the connections (each takes the next block
 * left): the complete prefix, which the hash follows, is never more than a few blocks behind the
 * bytes on disk, so the hash does not fall behind at the end. One block when one connection is
 * used; otherwise about 8 blocks per connection, between 256 KiB and 8 MiB each.
 */
function plan(size: number, connections: number, minSegment: number): Segment[] {
  const n = connectionsFor(size, connections, minSegment);
  const step = n === 1 ? size : Math.max(256 << 10, Math.min(8 << 20, Math.ceil(size / (n * 8))));
  const out: Segment[] = [];
  for (let start = 0; start < size; start += step) out.push({ start, end: Math.min(size, start + step), pos: start });
  return out;
}

const retryable = (err: unknown): boolean => {
  if (err instanceof AppError)
    return err.code === 'DISCONNECTED' && (err.details as { retryable?: boolean } | undefined)?.retryable !== false;
  const code = (err as NodeJS.ErrnoException).code;
  return code !== 'ENOSPC' && code !== 'EACCES' && code !== 'EROFS';
};

/**
 * Downloads one file by Range requests into `dest.part`, several connections at once for large
 * files, resuming from `dest.part.json` after a pause, a crash or a dropped connection. The sha256
 * is computed as the bytes arrive (in file order; later segments are read back from the page cache
 * once the ones before them are complete) and compared before this resolves.
 */
export async function downloadFile(req: FileDownloadRequest): Promise<FileDownloadOutcome> {
  const { dest, size } = req;
  // One failing connection stops the others (the outer signal is the user's pause or cancel).
  const inner = new AbortController();
  const signal = AbortSignal.any([req.signal, inner.signal]);
  const part = partPathOf(dest);
  const log = req.log ?? (() => undefined);
  let state = await loadState(dest, size, req.etag);
  let fh: FileHandle;
  if (state) fh = await open(part, 'r+');
  else {
    state = {
      v: 1,
      size,
      etag: req.etag,
      segments: plan(size, req.connections ?? 4, req.minSegmentBytes ?? 32 << 20),
    };
    fh = await open(part, 'w+');
    await fh.truncate(size);
  }
  const st = state;
  const resumedFrom = st.segments.reduce((a, g) => a + g.pos - g.start, 0);
  if (resumedFrom > 0) log(`Resuming ${dest.split('/').pop()} at ${resumedFrom} of ${size} bytes`);
  let fetched = 0;

  const hash = createHash('sha256');
  let hashed = 0;
  let hashing: Promise<void> = Promise.resolve();
  const prefix = (): number => st.segments.find((g) => g.pos < g.end)?.pos ?? size;
  /** Hashes up to the complete prefix: from `chunks` (just written at `at`) when they are next, else from the file. */
  const advanceHash = (chunks: Buffer[], at: number): void => {
    hashing = hashing.then(async () => {
      const target = prefix();
      let p = at;
      for (const c of chunks) {
        if (p <= hashed && hashed < p + c.length) {
          const take = Math.min(p + c.length, target) - hashed;
          if (take > 0) {
            hash.update(c.subarray(hashed - p, hashed - p + take));
            hashed += take;
          }
        }
        p += c.length;
      }
      const buf = target > hashed ? Buffer.allocUnsafe(Math.min(4 << 20, target - hashed)) : null;
      while (buf && hashed < target) {
        const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, target - hashed), hashed);
        if (bytesRead === 0) throw new AppError('INTERNAL', `Short read of ${part}`);
        hash.update(buf.subarray(0, bytesRead));
        hashed += bytesRead;
      }
    });
  };
  advanceHash([], 0);

  const save = (): Promise<void> => writeFileAtomic(statePathOf(dest), JSON.stringify(st));
  await save();
  let saving = false;
  const timer = setInterval(() => {
    if (saving) return;
    saving = true;
    void save().finally(() => (saving = false));
  }, 1000);

  const get = async (g: Segment): Promise<IncomingMessage> => {
    let url = req.url;
    const origin = new URL(url).host;
    for (let hop = 0; hop < 6; hop++) {
      const res = await httpRequest(url, {
        headers: { ...(new URL(url).host === origin ? req.headers : {}), range: `bytes=${g.pos}-${g.end - 1}` },
        signal,
        idleTimeoutMs: req.stallMs ?? 20_000,
      });
      const s = res.statusCode ?? 0;
      if (s >= 300 && s < 400 && res.headers.location) {
        res.resume();
        url = new URL(res.headers.location, url).toString();
        continue;
      }
      if (s === 206) {
        const m = /bytes (\d+)-/.exec(String(res.headers['content-range'] ?? ''));
        if (Number(m?.[1]) !== g.pos) throw new AppError('DISCONNECTED', `The server sent the wrong range for ${url}`);
        return res;
      }
      if (s === 200 && g.pos === 0 && g.end === size) return res;
      res.resume();
      if (s === 200)
        throw new AppError('DISCONNECTED', `The server at ${new URL(url).host} ignores Range requests`, {
          details: { retryable: false },
        });
      throw new AppError(s >= 500 || s === 429 ? 'DISCONNECTED' : 'NOT_FOUND', `GET ${url} answered ${s}`, {
        details: { status: s, retryable: s >= 500 || s === 429 },
      });
    }
    throw new AppError('DISCONNECTED', `Too many redirects for ${req.url}`, { details: { retryable: false } });
  };

  const worker = async (g: Segment): Promise<void> => {
    let attempt = 0;
    while (g.pos < g.end) {
      signal.throwIfAborted();
      try {
        const res = await get(g);
        // Chunks are gathered to ~1 MiB and written with one writev: fewer thread-pool round trips.
        let pending: Buffer[] = [];
        let pendingLen = 0;
        const flush = async (): Promise<void> => {
          if (pendingLen === 0) return;
          const bufs = pending;
          const n = pendingLen;
          pending = [];
          pendingLen = 0;
          const at = g.pos;
          await fh.writev(bufs, at);
          g.pos += n;
          fetched += n;
          attempt = 0;
          req.onBytes(n);
          advanceHash(bufs, at);
        };
        try {
          for await (const chunk of res as AsyncIterable<Buffer>) {
            const len = Math.min(chunk.length, g.end - g.pos - pendingLen);
            pending.push(len === chunk.length ? chunk : chunk.subarray(0, len));
            pendingLen += len;
            if (pendingLen >= 1 << 20 || g.pos + pendingLen >= g.end) await flush();
            if (g.pos >= g.end) break;
          }
        } finally {
          await flush(); // keep what arrived before a dropped connection
        }
        res.destroy();
        if (g.pos < g.end) throw new AppError('DISCONNECTED', 'The connection closed before the end of the range');
      } catch (err) {
        if (signal.aborted) throw (req.signal.aborted ? req.signal.reason : err) as Error;
        if ((err as NodeJS.ErrnoException).code === 'ENOSPC')
          throw new AppError('DISK_FULL', `The disk is full while writing ${part}`, { cause: err });
        if (!retryable(err) || ++attempt > (req.retries ?? 6)) throw err;
        const wait = Math.min(10_000, (req.backoffMs ?? 500) * 2 ** (attempt - 1));
        log(`${(err as Error).message}; retry ${attempt} in ${(wait / 1000).toFixed(1)} s from byte ${g.pos}`);
        await sleep(wait, signal);
      }
    }
  };

  // Each connection takes the next unfinished block, in file order, until none is left.
  const queue = st.segments.filter((g) => g.pos < g.end);
  const connection = async (): Promise<void> => {
    for (let g = queue.shift(); g; g = queue.shift()) await worker(g);
  };
  const n = Math.min(queue.length, connectionsFor(size, req.connections ?? 4, req.minSegmentBytes ?? 32 << 20));
  try {
    const results = await Promise.allSettled(
      Array.from({ length: Math.max(1, n) }, () =>
        connection().catch((err: unknown) => {
          inner.abort(err);
          throw err;
        }),
      ),
    );
    if (req.signal.aborted) throw req.signal.reason as Error;
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason as Error;
    advanceHash([], 0);
    await hashing;
  } finally {
    clearInterval(timer);
    await hashing.catch(() => undefined);
    await save().catch(() => undefined);
    await fh.close();
  }
  const sha256 = hash.digest('hex');
  if (req.sha256 && sha256 !== req.sha256) {
    await removePartial(dest);
    throw new AppError(
      'VALIDATION_FAILED',
      `${dest.split('/').pop()} failed its checksum: got sha256 ${sha256}, the hub says ${req.sha256}`,
      {
        hint: 'The file was damaged on the way or on a mirror; the partial file was deleted. Download it again.',
        details: { file: dest, expected: req.sha256, actual: sha256 },
      },
    );
  }
  return { part, sha256, fetched, resumedFrom };
}
