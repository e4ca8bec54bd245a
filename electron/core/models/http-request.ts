import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { AppError } from '../../shared/errors.js';

export interface HttpOptions {
  method?: 'GET' | 'HEAD';
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** No socket activity (connecting, or no bytes) for this long fails the request. */
  idleTimeoutMs: number;
}

/** Network errors that mean "nobody answers there": fail at once instead of retrying for minutes. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

export const isUnreachable = (err: unknown): boolean =>
  err instanceof AppError &&
  err.code === 'DISCONNECTED' &&
  (err.details as { unreachable?: boolean })?.unreachable === true;

/** A socket error as the app reports it (an AppError or an abort passes through unchanged). */
export function connectionError(u: URL, err: NodeJS.ErrnoException): Error {
  if (err instanceof AppError || err.name === 'AbortError') return err;
  const unreachable = err.code !== undefined && UNREACHABLE.has(err.code);
  return new AppError('DISCONNECTED', `Cannot reach ${u.host}: ${err.code ?? err.message}`, {
    hint: unreachable ? 'Check the network, or HF_ENDPOINT if you use a mirror.' : undefined,
    details: { url: u.origin, errno: err.code, unreachable },
    cause: err,
  });
}

/** The error for a socket that saw no bytes for `ms` (a stalled transfer: retried by the caller). */
export const stalledError = (u: URL, ms: number): AppError =>
  new AppError('DISCONNECTED', `No answer from ${u.host} in ${Math.round(ms / 1000)} s`, {
    details: { url: u.origin, stalled: true },
  });

/**
 * One HTTP request over node:http(s), redirects not followed (the caller decides, as huggingface_hub
 * does), every socket under an idle timeout. Resolves with the response head; the body is the stream.
 */
export function httpRequest(url: string, opts: HttpOptions): Promise<IncomingMessage> {
  const u = new URL(url);
  const lib = u.protocol === 'https:' ? https : u.protocol === 'http:' ? http : null;
  if (!lib) return Promise.reject(new AppError('INVALID_REQUEST', `Unsupported URL ${url}`));
  return new Promise((resolve, reject) => {
    const req = lib.request(u, {
      method: opts.method ?? 'GET',
      headers: { 'user-agent': 'labforge', 'accept-encoding': 'identity', ...opts.headers },
      signal: opts.signal,
      timeout: opts.idleTimeoutMs,
    });
    req.on('timeout', () => req.destroy(stalledError(u, opts.idleTimeoutMs)));
    req.on('response', (res) => {
      // The idle timeout keeps guarding the body: a stalled transfer errors the response stream.
      res.on('error', () => undefined);
      resolve(res);
    });
    req.on('error', (err: NodeJS.ErrnoException) => reject(connectionError(u, err)));
    req.end();
  });
}

/** Reads a small body (JSON listings, error messages) with a cap. */
export async function readBody(res: IncomingMessage, max = 16 << 20): Promise<string> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of res as AsyncIterable<Buffer>) {
    n += c.length;
    if (n > max) {
      res.destroy();
      throw new AppError('FILE_TOO_LARGE', `The hub's answer is larger than ${max} bytes`);
    }
    chunks.push(c);
  }
  return Buffer.concat(chunks).toString('utf8');
}
