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
  /**
   * One connection that fetches at least this many bytes per second stays alone; below it, after
   * `probeMs` (default 1 s), the others open. Default 128 MiB/s; 0 opens them all at once.
   */
  fastBytesPerSecond?: number;
  probeMs?: number;
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
  /** Connections this call opened. */
  connections: number;
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

  // Blocks no connection has taken yet, in file order.
  const queue = st.segments.filter((g) => g.pos < g.end);
  /** A queued block a connection may go on into without a new request: adjacent and not started. */
  const adjacent = (after: number, limit: number): Segment | null => {
    const nx = queue[0];
    return nx && nx.start === after && nx.pos === nx.start && nx.end <= limit ? nx : null;
  };
  /** Where one request from `g.pos` may run to: the end of the untouched queued blocks that follow `g`. */
  const runEnd = (g: Segment): number => {
    let end = g.end;
    for (const nx of queue) {
      if (nx.start !== end || nx.pos !== nx.start) break;
      end = nx.end;
    }
    return end;
  };

  /** Body offsets of the segment ends a request from `g.pos` to `end` crosses (where it may have to stop). */
  const boundariesOf = (g: Segment, end: number): number[] =>
    st.segments.filter((x) => x.end > g.pos && x.end < end).map((x) => x.end - g.pos);

  const get = async (g: Segment, end: number, pool: BlockPool): Promise<RangeResponse> => {
    let url = req.url;
    const origin = new URL(url).host;
    for (let hop = 0; hop < 6; hop++) {
      const res = await rangeGet(url, {
        headers: { ...(new URL(url).host === origin ? req.headers : {}), range: `bytes=${g.pos}-${end - 1}` },
        signal,
        idleTimeoutMs: req.stallMs ?? 20_000,
        pool,
        boundaries: boundariesOf(g, end),
      });
      const s = res.statusCode;
      if (s >= 300 && s < 400 && res.headers.location) {
        res.destroy();
        url = new URL(res.headers.location, url).toString();
        continue;
      }
      if (s === 206) {
        const m = /bytes (\d+)-(\d+)/.exec(res.headers['content-range'] ?? '');
        if (Number(m?.[1]) !== g.pos || Number(m?.[2]) > end - 1) {
          res.destroy();
          throw new AppError('DISCONNECTED', `The server sent the wrong range for ${url}`);
        }
        return res;
      }
      if (s === 200 && g.pos === 0 && end === size) return res;
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
   * Writes one response's body, block by block as the connection fills them, without waiting for
   * a write before reading on (the pool's blocks bound what is in flight: a full pool pauses the
   * socket): the network, the disk and the hash run side by side. The response may run on over
   * the queued blocks after `at.g` (one request for many blocks, no new connection per block):
   * crossing into the next one takes it from the queue, unless another connection has; then this
   * response ends there. A segment's `pos` moves only over bytes whose writes finished, in order,
   * so the saved state is never ahead of the disk; a block goes back to the pool once written and
   * hashed.
   */
  const receive = async (
    at: { g: Segment },
    res: RangeResponse,
    end: number,
    pool: BlockPool,
    onProgress: () => void,
  ): Promise<void> => {
    interface Write {
      seg: Segment;
      n: number;
      at: number;
      data: Buffer;
      release(): void;
      done: boolean;
      handedOn: boolean;
      p: Promise<void>;
    }
    const writes: Write[] = [];
    const all: Write[] = [];
    let next = at.g.pos;
    let stopped = false;
    const settle = (): void => {
      while (writes[0]?.done) {
        const w = writes.shift()!;
        w.seg.pos += w.n;
        fetched += w.n;
        onProgress();
        req.onBytes(w.n);
        w.handedOn = true; // to the hasher, which releases the block once done with it
        hasher.advance(prefix(), { chunks: [w.data], at: w.at, release: w.release });
      }
    };
    const write = (seg: Segment, data: Buffer, release: () => void): void => {
      const w: Write = {
        seg,
        n: data.length,
        at: next,
        data,
        release,
        done: false,
        handedOn: false,
        p: Promise.resolve(),
      };
      w.p = fh.write(data, 0, data.length, next).then(
        () => {
          w.done = true;
          settle();
        },
        (err: unknown) => {
          stopped = true;
          res.destroy(); // stop reading: the disk refuses
          throw err;
        },
      );
      w.p.catch(() => undefined); // awaited below; this only keeps an early failure from going unhandled
      writes.push(w);
      all.push(w);
      next += data.length;
    };
    /** At the end of `at.g`: go on into the next queued block, or end this response here. */
    const goOn = (): boolean => {
      const nx = adjacent(at.g.end, end);
      if (nx) {
        queue.shift();
        at.g = nx;
        return true;
      }
      stopped = true; // another connection has the next block
      res.destroy();
      return false;
    };
    const onBlock = (block: Buffer, length: number): void => {
      // The block goes back once each of its pieces (one per segment it spans) is written and hashed.
      let refs = 1;
      const release = (): void => {
        if (--refs === 0) pool.give(block);
      };
      let off = 0;
      while (off < length && !stopped) {
        if (next >= at.g.end && !goOn()) break;
        const k = Math.min(length - off, at.g.end - next);
        refs++;
        write(at.g, block.subarray(off, off + k), release);
        off += k;
      }
      // At a segment's end (where the reader handed this block on): go on into the next one, or stop now.
      if (!stopped && next === at.g.end && next < end) goOn();
      release();
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
        for (const w of all) if (!w.handedOn) w.release();
      }
    }
    if (dropped) throw dropped;
    if (at.g.pos < at.g.end && !stopped)
      throw new AppError('DISCONNECTED', 'The connection closed before the end of the range');
  };

  const worker = async (first: Segment, pool: BlockPool): Promise<void> => {
    let attempt = 0;
    const at = { g: first };
    while (at.g.pos < at.g.end) {
      signal.throwIfAborted();
      try {
        const end = runEnd(at.g);
        const res = await get(at.g, end, pool);
        await receive(at, res, end, pool, () => (attempt = 0));
      } catch (err) {
        if (signal.aborted) throw (req.signal.aborted ? req.signal.reason : err) as Error;
        if ((err as NodeJS.ErrnoException).code === 'ENOSPC')
          throw new AppError('DISK_FULL', `The disk is full while writing ${part}`, { cause: err });
        if (!retryable(err) || ++attempt > (req.retries ?? 6)) throw err;
        const wait = Math.min(10_000, (req.backoffMs ?? 500) * 2 ** (attempt - 1));
        log(`${(err as Error).message}; retry ${attempt} in ${(wait / 1000).toFixed(1)} s from byte ${at.g.pos}`);
        await sleep(wait, signal);
      }
    }
  };

  // Each connection takes the next unfinished block, in file order, until none is left.
  const connection = async (): Promise<void> => {
    const pool = new BlockPool(blocksFor(queue[0] ? queue[0].end - queue[0].start : 0));
    for (let g = queue.shift(); g; g = queue.shift()) await worker(g, pool);
  };
  let sha256: string;
  const n = Math.min(queue.length, connectionsFor(size, req.connections ?? 4, req.minSegmentBytes ?? 32 << 20));
  // One connection first; the others open after a probe if it is slow (a CDN that caps each
  // connection), not if it is fast (a LAN mirror, loopback: there more connections only add the
  // hash's read-back of blocks that land out of order).
  const running: Promise<void>[] = [];
  const openConnection = (): void => {
    const p = connection().catch((err: unknown) => {
      inner.abort(err);
      throw err;
    });
    p.catch(() => undefined); // settled below, maybe after the first connection: not unhandled meanwhile
    running.push(p);
  };
  const fast = req.fastBytesPerSecond ?? 128 << 20;
  const probeMs = req.probeMs ?? 1000;
  const t0 = performance.now();
  const openRest = (): void => {
    const rate = fetched / ((performance.now() - t0) / 1000);
    if (queue.length === 0 || signal.aborted || rate >= fast) return;
    log(`${dest.split('/').pop()}: ${(rate / 2 ** 20).toFixed(0)} MiB/s on one connection, opening ${n - 1} more`);
    for (let i = 1; i < n; i++) openConnection();
  };
  openConnection();
  if (fast <= 0) for (let i = 1; i < n; i++) openConnection();
  const probe = n > 1 && fast > 0 ? setTimeout(openRest, probeMs) : null;
  try {
    await running[0]!.catch(() => undefined); // the others open (or not) while it runs
    if (probe) clearTimeout(probe);
    const results = await Promise.allSettled(running);
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
  return { part, sha256, fetched, resumedFrom, connections: running.length };
}
