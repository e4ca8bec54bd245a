import net from 'node:net';
import tls from 'node:tls';
import { AppError } from '../../shared/errors.js';
import { connectionError, stalledError } from './http-request.js';

/**
 * One HTTP/1.1 GET whose body is read straight into fixed blocks: the socket's `onread` hands each
 * read a block of a small pool the caller writes to disk from and gives back, so nothing is
 * allocated per read (node:http allocates a 64 KiB buffer per read, and on a fast link their
 * garbage collection costs as much CPU as the transfer). Only the body of a file download takes
 * this path; HEAD requests, listings and error bodies stay on node:http (http-request.ts).
 *
 * The response head is parsed here (status, headers, then the body framed by Content-Length,
 * chunked transfer coding, or the end of the connection); `Connection: close`, one request per
 * socket. A full pool pauses the socket until a block comes back.
 */

export const BLOCK_BYTES = 1 << 20;
/** A block is handed on once less than this is free in it (a read needs room). */
const MIN_TAIL = 64 << 10;
/** A response head larger than this is refused. */
const MAX_HEAD = 64 << 10;

/** The blocks one connection reads into; a block comes back with `give` once written and hashed. */
export class BlockPool {
  private readonly blocks: Buffer[];
  /** Called when a block comes back (a paused read resumes). */
  onGive: (() => void) | null = null;

  constructor(private readonly count: number) {
    // Shared memory: the sha256 worker hashes a written block where it is (file-hasher.ts).
    this.blocks = Array.from({ length: count }, () => Buffer.from(new SharedArrayBuffer(BLOCK_BYTES)));
  }

  /** Blocks in the pool now. */
  get free(): number {
    return this.blocks.length;
  }

  take(): Buffer | undefined {
    return this.blocks.pop();
  }

  give(block: Buffer): void {
    if (this.blocks.length < this.count) this.blocks.push(block); // an extra block (see rangeGet) is let go
    this.onGive?.();
  }
}

export interface RangeResponse {
  readonly statusCode: number;
  /** Header names in lower case; repeated headers joined with ", ". */
  readonly headers: Record<string, string>;
  /**
   * Streams the body into `onBlock` as filled blocks, in order (the receiver gives each back to
   * the pool once done with it). Resolves at the body's end; rejects when the connection drops
   * before it, stalls or is aborted.
   */
  body(onBlock: (block: Buffer, length: number) => void): Promise<void>;
  /** Closes the connection (a redirect or an error status whose body is not wanted). */
  destroy(): void;
}

export interface RangeGetOptions {
  headers: Record<string, string>;
  signal: AbortSignal;
  /** No socket activity (connecting, or no bytes) for this long fails the request. */
  idleTimeoutMs: number;
  pool: BlockPool;
  /** Certificates to trust for https instead of the system's (a test server's own). */
  ca?: string;
  /**
   * Body offsets, ascending, where a block is handed on even if not full, and that no read
   * crosses (after the first, which also holds the head): the ends of the file's segments, so the
   * receiver can stop the transfer right there.
   */
  boundaries?: number[];
}

type Framing = { kind: 'length'; left: number } | { kind: 'chunked'; decoder: ChunkedDecoder } | { kind: 'close' };

export function rangeGet(url: string, opts: RangeGetOptions): Promise<RangeResponse> {
  const u = new URL(url);
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    return Promise.reject(new AppError('INVALID_REQUEST', `Unsupported URL ${url}`));
  const lines = [`GET ${u.pathname}${u.search} HTTP/1.1`, `Host: ${u.host}`];
  const headers: Record<string, string> = {
    'user-agent': 'labforge',
    'accept-encoding': 'identity',
    ...opts.headers,
    connection: 'close',
  };
  for (const [k, v] of Object.entries(headers)) {
    if (/[\r\n]/.test(k + v))
      return Promise.reject(new AppError('INVALID_REQUEST', `The header ${k} holds a line break`));
    lines.push(`${k}: ${v}`);
  }
  const request = `${lines.join('\r\n')}\r\n\r\n`;
  const { pool, signal } = opts;

  return new Promise<RangeResponse>((resolveHead, rejectHead) => {
    // Reads land in `cur` at `used`; a block with less than MIN_TAIL free is handed on. While no
    // block is free, the socket is paused and a read that still comes (TLS hands on what it had
    // decrypted) lands in `parking` and is copied into the next block.
    const parking = Buffer.allocUnsafe(MIN_TAIL);
    let cur: Buffer | null = pool.take() ?? null;
    let used = 0;
    let phase: 'head' | 'body' | 'done' = 'head';
    let framing: Framing = { kind: 'close' };
    let complete = false;
    let waitingForBody = false;
    let waitingForBlock = false;
    let stopped = false;
    let onBlock: ((block: Buffer, length: number) => void) | null = null;
    /** Blocks filled before the caller asked for the body. */
    const early: { block: Buffer; length: number }[] = [];
    let ended: { error: Error | null } | null = null;
    let settleBody: { resolve(): void; reject(err: Error): void } | null = null;

    const boundaries = opts.boundaries ?? [];
    let bodyBytes = 0; // framed body bytes so far
    const boundary = (): number => {
      while (boundaries.length > 0 && boundaries[0]! <= bodyBytes) boundaries.shift();
      return boundaries[0] ?? Number.POSITIVE_INFINITY;
    };
    const buffer = (): Uint8Array => {
      if (!cur) return parking;
      const room = phase === 'body' ? Math.min(BLOCK_BYTES - used, boundary() - bodyBytes) : BLOCK_BYTES - used;
      return cur.subarray(used, used + room);
    };
    const port = Number(u.port) || (u.protocol === 'https:' ? 443 : 80);
    const host = u.hostname.replace(/^\[|\]$/g, '');
    const onread: net.OnReadOpts = { buffer, callback: (n, buf) => onRead(n, buf) };
    // tls.connect takes `onread` too (Node >= 15); its types do not say so yet.
    const tlsOptions: tls.ConnectionOptions & { onread: net.OnReadOpts } = {
      host,
      port,
      servername: net.isIP(host) ? undefined : host,
      ALPNProtocols: ['http/1.1'],
      ...(opts.ca ? { ca: opts.ca } : {}),
      onread,
    };
    const socket: net.Socket = u.protocol === 'https:' ? tls.connect(tlsOptions) : net.connect({ host, port, onread });
    socket.setTimeout(opts.idleTimeoutMs);
    socket.once(u.protocol === 'https:' ? 'secureConnect' : 'connect', () => socket.write(request));
    socket.on('timeout', () => socket.destroy(stalledError(u, opts.idleTimeoutMs)));
    socket.on('error', (err: NodeJS.ErrnoException) =>
      end(signal.aborted ? (signal.reason as Error) : connectionError(u, err)),
    );
    socket.on('close', () => {
      if (phase === 'body' && framing.kind === 'close') complete = true;
      end(
        complete
          ? null
          : phase === 'head'
            ? new AppError('DISCONNECTED', `${u.host} closed the connection before answering`)
            : new AppError('DISCONNECTED', 'The connection closed before the end of the range'),
      );
    });
    const onAbort = (): void => void socket.destroy(signal.reason as Error);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });

    const handOn = (block: Buffer, length: number): void => {
      if (onBlock) onBlock(block, length);
      else early.push({ block, length });
    };

    /** The end of the exchange: what arrived is handed on (also before an error), the socket closed. */
    function end(error: Error | null): void {
      if (phase === 'done') return;
      const head = phase === 'head';
      phase = 'done';
      if (cur && used > 0 && !head) handOn(cur, used);
      else if (cur) pool.give(cur);
      cur = null;
      signal.removeEventListener('abort', onAbort);
      pool.onGive = null;
      socket.destroy();
      if (head) return void (error ? rejectHead(error) : undefined);
      ended = { error };
      if (settleBody) settle();
    }

    function settle(): void {
      if (!ended || !settleBody) return;
      if (ended.error) settleBody.reject(ended.error);
      else settleBody.resolve();
      settleBody = null;
    }

    /** Reads again once nothing holds them back (the socket stopped when a read callback said false). */
    function resume(): void {
      if (!stopped || phase !== 'body' || waitingForBody || waitingForBlock) return;
      stopped = false;
      socket.resume();
    }

    /** Hands the full block on and takes the next; false (pause) when the pool has none. */
    function rotate(): boolean {
      const block = cur!;
      const length = used;
      cur = pool.take() ?? null;
      used = 0;
      handOn(block, length);
      if (cur) return !waitingForBody;
      waitingForBlock = true;
      pool.onGive = () => {
        if (phase !== 'body' || cur) return;
        cur = pool.take() ?? null;
        if (!cur) return;
        waitingForBlock = false;
        pool.onGive = null;
        resume();
      };
      return false;
    }

    function onRead(n: number, buf: Uint8Array): boolean {
      try {
        const more = read(n, buf);
        if (!more) stopped = true;
        else if (stopped) process.nextTick(resume); // reads came while stopped (TLS) and freed the way
        return more;
      } catch (err) {
        // A malformed answer (a thrown AppError here would escape the socket's read callback).
        socket.destroy(err as Error);
        return false;
      }
    }

    function read(n: number, buf: Uint8Array): boolean {
      if (phase === 'done') return false;
      if (buf === parking) {
        if (!cur) {
          // TLS hands on what it had already decrypted after the socket stopped: one extra block.
          cur = pool.take() ?? Buffer.allocUnsafeSlow(BLOCK_BYTES);
          waitingForBlock = false;
          pool.onGive = null;
        }
        parking.copy(cur, used, 0, n);
      }
      const block = cur!;
      const from = used;
      used += n;
      if (phase === 'head') return onHeadBytes(block, from);
      return afterBody(take(block, from));
    }

    /** After new body bytes: the body's end, a full block or a boundary hands the block on; false pauses the socket. */
    function afterBody(atBoundary: boolean): boolean {
      if (complete) {
        end(null);
        return false;
      }
      if (BLOCK_BYTES - used < MIN_TAIL || atBoundary) return rotate();
      return !waitingForBody && !waitingForBlock;
    }

    /** Frames the new bytes (see takeFramed); true when they reach a boundary. */
    function take(block: Buffer, from: number): boolean {
      const b = boundary();
      takeFramed(block, from);
      bodyBytes += used - from;
      return bodyBytes >= b;
    }

    /** Frames the new body bytes `[from, used)` of `block`: trims what is past the body, decodes chunks. */
    function takeFramed(block: Buffer, from: number): void {
      if (framing.kind === 'length') {
        const k = Math.min(used - from, framing.left);
        framing.left -= k;
        used = from + k;
        if (framing.left === 0) complete = true;
      } else if (framing.kind === 'chunked') {
        const r = framing.decoder.decode(block, from, used);
        used = r.end;
        if (r.done) complete = true;
      }
    }

    function onHeadBytes(block: Buffer, from: number): boolean {
      const at = block.subarray(0, used).indexOf('\r\n\r\n', Math.max(0, from - 3));
      if (at < 0) {
        if (used > MAX_HEAD) socket.destroy(new AppError('DISCONNECTED', `${u.host} sent a response head over 64 KiB`));
        return true;
      }
      const head = parseHead(block.toString('latin1', 0, at));
      const bodyStart = at + 4;
      block.copyWithin(0, bodyStart, used);
      used -= bodyStart;
      if (head.statusCode >= 100 && head.statusCode < 200) return used > 0 ? onHeadBytes(block, 0) : true; // 100 Continue
      framing = framingOf(head.headers);
      const atBoundary = take(block, 0); // a malformed start of the body rejects the request itself
      phase = 'body';
      waitingForBody = true; // until the caller asks for the body, or closes it
      resolveHead({
        ...head,
        body,
        destroy: () => {
          end(null);
          if (!onBlock) for (const e of early.splice(0)) pool.give(e.block); // a body nobody asked for (a redirect's)
        },
      });
      return afterBody(atBoundary); // false: paused until the caller asks for the body
    }

    function body(fn: (block: Buffer, length: number) => void): Promise<void> {
      return new Promise<void>((resolve, reject) => {
        onBlock = fn;
        for (const e of early.splice(0)) fn(e.block, e.length);
        settleBody = { resolve, reject };
        if (ended) return settle();
        waitingForBody = false;
        resume();
      });
    }
  });
}

function parseHead(text: string): { statusCode: number; headers: Record<string, string> } {
  const [status = '', ...rest] = text.split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})(?: .*)?$/.exec(status);
  if (!m) throw new AppError('DISCONNECTED', `Not an HTTP/1.1 answer: ${JSON.stringify(status.slice(0, 80))}`);
  const headers: Record<string, string> = {};
  for (const line of rest) {
    const i = line.indexOf(':');
    if (i <= 0) throw new AppError('DISCONNECTED', `A malformed header line: ${JSON.stringify(line.slice(0, 80))}`);
    const name = line.slice(0, i).trim().toLowerCase();
    const value = line.slice(i + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  return { statusCode: Number(m[1]), headers };
}

function framingOf(headers: Record<string, string>): Framing {
  const ce = headers['content-encoding'];
  if (ce !== undefined && ce.trim().toLowerCase() !== 'identity')
    throw new AppError('DISCONNECTED', `The server sent the file compressed (Content-Encoding: ${ce})`, {
      details: { retryable: false },
    });
  const te = headers['transfer-encoding'];
  if (te !== undefined) {
    if (te.trim().toLowerCase() !== 'chunked')
      // a coding on top (gzip) would change the file's bytes
      throw new AppError('DISCONNECTED', `Unsupported Transfer-Encoding: ${te}`, { details: { retryable: false } });
    return { kind: 'chunked', decoder: new ChunkedDecoder() };
  }
  const cl = headers['content-length'];
  if (cl === undefined) return { kind: 'close' };
  if (!/^\d+$/.test(cl)) throw new AppError('DISCONNECTED', `A malformed Content-Length: ${cl}`);
  return { kind: 'length', left: Number(cl) };
}

/**
 * Chunked transfer coding (RFC 9112 7.1), decoded in place: the data of each chunk is moved down
 * over the size lines before it, so a block holds only body bytes.
 */
export class ChunkedDecoder {
  private state: 'size' | 'ext' | 'size-lf' | 'data' | 'data-cr' | 'data-lf' | 'trailer' | 'done' = 'size';
  private size = 0;
  private digits = 0;
  private left = 0;
  private lineLength = 0;

  /** Decodes `buf[from, end)`; returns where the decoded bytes end, and whether the last chunk was seen. */
  decode(buf: Buffer, from: number, end: number): { end: number; done: boolean } {
    let r = from;
    let w = from;
    while (r < end && this.state !== 'done') {
      if (this.state === 'data') {
        const k = Math.min(this.left, end - r);
        if (w !== r) buf.copyWithin(w, r, r + k);
        w += k;
        r += k;
        this.left -= k;
        if (this.left === 0) this.state = 'data-cr';
        continue;
      }
      this.step(buf[r++]!);
    }
    return { end: w, done: this.state === 'done' };
  }

  private step(c: number): void {
    switch (this.state) {
      case 'size': {
        const v = hexValue(c);
        if (v >= 0) {
          if (++this.digits > 12) throw chunkError('a chunk size is too large');
          this.size = this.size * 16 + v;
        } else if (this.digits === 0) throw chunkError('a chunk size is missing');
        else if (c === 0x3b || c === 0x20 || c === 0x09) this.state = 'ext';
        else if (c === 0x0d) this.state = 'size-lf';
        else if (c === 0x0a) this.endSizeLine();
        else throw chunkError('a chunk size is malformed');
        return;
      }
      case 'ext':
        if (c === 0x0d) this.state = 'size-lf';
        else if (c === 0x0a) this.endSizeLine();
        return;
      case 'size-lf':
        if (c !== 0x0a) throw chunkError('a chunk size line does not end with CRLF');
        this.endSizeLine();
        return;
      case 'data-cr':
        if (c !== 0x0d && c !== 0x0a) throw chunkError('a chunk does not end with CRLF');
        this.state = c === 0x0d ? 'data-lf' : 'size';
        return;
      case 'data-lf':
        if (c !== 0x0a) throw chunkError('a chunk does not end with CRLF');
        this.state = 'size';
        return;
      case 'trailer':
        if (c === 0x0a) {
          if (this.lineLength === 0) this.state = 'done';
          this.lineLength = 0;
        } else if (c !== 0x0d) this.lineLength++;
        return;
      default:
        return;
    }
  }

  private endSizeLine(): void {
    if (this.size === 0) {
      this.state = 'trailer';
      this.lineLength = 0;
    } else {
      this.left = this.size;
      this.state = 'data';
    }
    this.size = 0;
    this.digits = 0;
  }
}

const hexValue = (c: number): number =>
  c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : c >= 0x41 && c <= 0x46 ? c - 0x37 : -1;

const chunkError = (what: string): AppError =>
  new AppError('DISCONNECTED', `The server's chunked answer is malformed: ${what}`);
