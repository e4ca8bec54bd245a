import { open, readFile, rm, stat, type FileHandle } from 'node:fs/promises';
import { AppError } from '../../shared/errors.js';
import { writeFileAtomic } from '../util/fs.js';
import { sleep } from '../util/sleep.js';
import { prefixHasher } from './file-hasher.js';
import { BLOCK_BYTES, BlockPool, rangeGet, type RangeResponse } from './range-get.js';

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

/** Bytes one connection may have handed to the disk and not yet seen written (its pool of blocks). */
const WRITE_AHEAD = 8 << 20;
const blocksFor = (segmentBytes: number): number =>
  Math.max(2, Math.min(WRITE_AHEAD / BLOCK_BYTES, Math.ceil(segmentBytes / BLOCK_BYTES) + 1));

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

  const hasher = prefixHasher(part, fh, size);
  const prefix = (): number => st.segments.find((g) => g.pos < g.end)?.pos ?? size;
  hasher.advance(prefix());

  const save = (): Promise<void> => writeFileAtomic(statePathOf(dest), JSON.stringify(st));
  await save();
  let saving = false;
  const timer = setInterval(() => {
    if (saving) return;
    saving = true;
    void save().finally(() => (saving = false));
  }, 1000);

  const get = async (g: Segment, pool: BlockPool): Promise<RangeResponse> => {
    let url = req.url;
    const origin = new URL(url).host;
    for (let hop = 0; hop < 6; hop++) {
      const res = await rangeGet(url, {
        headers: { ...(new URL(url).host === origin ? req.headers : {}), range: `bytes=${g.pos}-${g.end - 1}` },
        signal,
        idleTimeoutMs: req.stallMs ?? 20_000,
        pool,
      });
      const s = res.statusCode;
      if (s >= 300 && s < 400 && res.headers.location) {
        res.destroy();
        url = new URL(res.headers.location, url).toString();
        continue;
      }
      if (s === 206) {
        const m = /bytes (\d+)-(\d+)/.exec(res.headers['content-range'] ?? '');
        if (Number(m?.[1]) !== g.pos || Number(m?.[2]) > g.end - 1) {
          res.destroy();
          throw new AppError('DISCONNECTED', `The server sent the wrong range for ${url}`);
        }
        return res;
      }
      if (s === 200 && g.pos === 0 && g.end === size) return res;
      res.destroy();
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

  /**
   * Writes one response's body into its segment, block by block as the connection fills them,
   * without waiting for a write before reading on (the pool's blocks bound what is in flight: a
   * full pool pauses the socket): the network, the disk and the hash run side by side. `g.pos`
   * moves only over bytes whose writes finished, in order, so the saved state is never ahead of
   * the disk; a block goes back to the pool once written and hashed.
   */
  const receive = async (g: Segment, res: RangeResponse, pool: BlockPool, onProgress: () => void): Promise<void> => {
    const writes: { n: number; at: number; block: Buffer; done: boolean; given: boolean; p: Promise<void> }[] = [];
    let next = g.pos;
    let writeFailed = false;
    const settle = (): void => {
      while (writes[0]?.done) {
        const w = writes.shift()!;
        g.pos += w.n;
        fetched += w.n;
        onProgress();
        req.onBytes(w.n);
        w.given = true; // to the hasher, which gives it back to the pool once done with it
        hasher.advance(prefix(), { chunks: [w.block.subarray(0, w.n)], at: w.at, release: () => pool.give(w.block) });
      }
    };
    const all: typeof writes = [];
    const onBlock = (block: Buffer, length: number): void => {
      const n = Math.min(length, g.end - next); // never past the segment, whatever the server sends
      if (n <= 0 || writeFailed) {
        pool.give(block);
        return;
      }
      const w = { n, at: next, block, done: false, given: false, p: Promise.resolve() };
      w.p = fh.write(block, 0, n, next).then(
        () => {
          w.done = true;
          settle();
        },
        (err: unknown) => {
          writeFailed = true;
          res.destroy(); // stop reading: the disk refuses
          throw err;
        },
      );
      w.p.catch(() => undefined); // awaited below; this only keeps an early failure from going unhandled
      writes.push(w);
      all.push(w);
      next += n;
    };
    let dropped: unknown = null;
    try {
      await res.body(onBlock);
    } catch (err) {
      dropped = err; // keep what arrived before a dropped connection: the writes finish first
    } finally {
      res.destroy();
      try {
        for (const w of all) await w.p; // a failed write (a full disk) throws here
      } finally {
        for (const w of all) if (!w.given) pool.give(w.block);
      }
    }
    if (dropped) throw dropped;
    if (g.pos < g.end) throw new AppError('DISCONNECTED', 'The connection closed before the end of the range');
  };

  const worker = async (g: Segment, pool: BlockPool): Promise<void> => {
    let attempt = 0;
    while (g.pos < g.end) {
      signal.throwIfAborted();
      try {
        const res = await get(g, pool);
        await receive(g, res, pool, () => (attempt = 0));
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
    const pool = new BlockPool(blocksFor(queue[0] ? queue[0].end - queue[0].start : 0));
    for (let g = queue.shift(); g; g = queue.shift()) await worker(g, pool);
  };
  let sha256: string;
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
    sha256 = await hasher.digest(size);
  } finally {
    clearInterval(timer);
    await hasher.close();
    await save().catch(() => undefined);
    await fh.close();
  }
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
