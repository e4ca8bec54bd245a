import http from 'node:http';
import https from 'node:https';
import { AppError } from '../../shared/errors.js';

/**
 * A small HTTP client for OpenAI-compatible endpoints on node:http(s), because it needs two
 * timeouts fetch does not give: a short connect timeout (an unreachable endpoint fails in
 * seconds) and a long per-request timeout (a teacher may think for minutes).
 */

export interface HttpReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/** Why a request got no HTTP reply. `connect`: never connected; `timeout`: no full reply in time; `network`: the connection broke. */
export class HttpFailure extends Error {
  constructor(
    readonly kind: 'connect' | 'timeout' | 'network',
    message: string,
    readonly causeCode?: string,
  ) {
    super(message);
    this.name = 'HttpFailure';
  }
}

export interface HttpOptions {
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: unknown;
  signal?: AbortSignal;
  connectTimeoutMs: number;
  timeoutMs: number;
  agent?: http.Agent;
}

const CONNECT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
]);

export function httpJson(url: string, opts: HttpOptions): Promise<HttpReply> {
  if (opts.signal?.aborted) return Promise.reject(cancelled(opts.signal));
  const u = new URL(url);
  const lib = u.protocol === 'https:' ? https : http;
  const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
  return new Promise<HttpReply>((resolve, reject) => {
    let settled = false;
    const timers: NodeJS.Timeout[] = [];
    const finish = (err: Error | null, value?: HttpReply): void => {
      if (settled) return;
      settled = true;
      for (const t of timers) clearTimeout(t);
      opts.signal?.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve(value as HttpReply);
    };
    const req = lib.request(
      u,
      {
        method: opts.method ?? (body === undefined ? 'GET' : 'POST'),
        agent: opts.agent,
        headers: {
          accept: 'application/json',
          ...(body === undefined
            ? {}
            : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }),
          ...opts.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          finish(null, {
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', (e) => finish(new HttpFailure('network', `The connection broke: ${e.message}`)));
        res.on('aborted', () => finish(new HttpFailure('network', 'The endpoint closed the connection mid-reply')));
      },
    );
    const onAbort = (): void => {
      req.destroy();
      finish(cancelled(opts.signal));
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    req.on('socket', (socket) => {
      // A reused keep-alive socket is already connected; a new one must connect in time.
      if (!socket.connecting) return;
      const t = setTimeout(() => {
        finish(
          new HttpFailure('connect', `No connection to ${u.host} within ${opts.connectTimeoutMs} ms`, 'ETIMEDOUT'),
        );
        req.destroy();
      }, opts.connectTimeoutMs);
      timers.push(t);
      socket.once('connect', () => clearTimeout(t));
    });
    timers.push(
      setTimeout(() => {
        finish(
          new HttpFailure('timeout', `No complete reply from ${u.host} within ${Math.round(opts.timeoutMs / 1000)} s`),
        );
        req.destroy();
      }, opts.timeoutMs),
    );
    req.on('error', (e: NodeJS.ErrnoException) => {
      const code = e.code ?? '';
      finish(
        CONNECT_CODES.has(code)
          ? new HttpFailure('connect', `Cannot connect to ${u.host} (${code})`, code)
          : new HttpFailure('network', `The connection to ${u.host} failed: ${e.message}`, code),
      );
    });
    req.end(body);
  });
}

/** The error an aborted signal stands for: its reason when that is an AppError, else CANCELLED. */
export function cancelled(signal: AbortSignal | undefined): AppError {
  const r: unknown = signal?.reason;
  return r instanceof AppError ? r : new AppError('CANCELLED', 'Cancelled', { cause: r });
}

/** Milliseconds a `Retry-After` header asks for (delta-seconds or an HTTP date), or null. */
export function retryAfterMs(value: string | string[] | undefined, now = Date.now()): number | null {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return null;
  if (/^\s*\d+(\.\d+)?\s*$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}
