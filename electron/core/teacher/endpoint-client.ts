import { setMaxListeners } from 'node:events';
import http from 'node:http';
import https from 'node:https';
import { z } from 'zod';
import { AppError } from '../../shared/errors.js';
import { Semaphore } from '../util/semaphore.js';
import { cancelled, HttpFailure, httpJson, retryAfterMs, type HttpReply } from './http-json.js';

/** How an endpoint is called: limits, timeouts and retries. */
export interface EndpointClientOptions {
  /** Requests in flight at once. Default 8. */
  concurrency?: number;
  /** A whole request, reply included. Default 10 minutes. */
  timeoutMs?: number;
  /** Establishing a connection. Default 5 s. */
  connectTimeoutMs?: number;
  /** Tries per request (429, 5xx, timeouts). Default 6. */
  maxAttempts?: number;
  /** First back-off delay; doubles per try, with jitter. Default 1 s. */
  backoffMs?: number;
  /** Longest single wait, `Retry-After` included. Default 60 s. */
  maxBackoffMs?: number;
  /** Named in the message when the key is refused. */
  apiKeyEnv?: string;
}

const choiceSchema = z.object({
  message: z.object({ content: z.string().nullish(), refusal: z.string().nullish() }).optional(),
  text: z.string().optional(),
  finish_reason: z.string().nullish(),
});
const completionSchema = z.object({
  choices: z.array(choiceSchema),
  usage: z.object({ prompt_tokens: z.number(), completion_tokens: z.number() }).nullish(),
});
export type Choice = z.infer<typeof choiceSchema>;
export type Completion = z.infer<typeof completionSchema>;

/** A completion, or the endpoint's refusal of this one request (a 4xx other than 401/403/404). */
export type CallResult = { ok: true; value: Completion } | { ok: false; status: number; message: string };

/** `http://host:port` gets `/v1`; any other path is kept (proxies mount the API elsewhere). */
export function normalizeUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new AppError('INVALID_REQUEST', `Not a URL: ${url}`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw new AppError('INVALID_REQUEST', `The endpoint must be http(s)://, got ${url}`);
  const p = u.pathname.replace(/\/+$/, '');
  return `${u.origin}${p === '' ? '/v1' : p}`;
}

/** The message of an OpenAI-style error body (or the start of any other body). */
export function errorMessage(r: HttpReply): string {
  try {
    const j = JSON.parse(r.text) as { error?: { message?: string } | string; message?: string; detail?: string };
    const m = typeof j.error === 'string' ? j.error : (j.error?.message ?? j.message ?? j.detail);
    if (m) return String(m);
  } catch {
    // not JSON
  }
  return r.text.slice(0, 300) || `HTTP ${r.status}`;
}

/**
 * The HTTP side of an endpoint teacher: a keep-alive agent, a semaphore so at most
 * `concurrency` requests are in flight, retries with back-off, and clear errors for an
 * unreachable endpoint or a refused key.
 */
export class EndpointClient {
  private readonly sem: Semaphore;
  private readonly agent: http.Agent;
  private readonly closed = new AbortController();
  /** After the first answer a refused connection is a blip to retry, not a wrong URL. */
  private answered = false;

  constructor(
    readonly base: string,
    private readonly apiKey: string | null,
    private readonly opts: EndpointClientOptions,
  ) {
    const concurrency = opts.concurrency ?? 8;
    this.sem = new Semaphore(concurrency);
    const Agent = base.startsWith('https:') ? https.Agent : http.Agent;
    this.agent = new Agent({ keepAlive: true, maxSockets: concurrency + 2 });
  }

  get concurrency(): number {
    return this.sem.limit;
  }

  /** Requests in flight now. */
  get inFlight(): number {
    return this.sem.active;
  }

  /** Model ids from `/models`; an AppError for a refused key or an error status (404: `[]` when `tolerate404`). */
  async listModels(tolerate404: boolean, signal?: AbortSignal): Promise<string[]> {
    const r = await this.http('GET', `${this.base}/models`, undefined, signal);
    if (r.status === 401 || r.status === 403) throw this.unauthorized(r);
    if (r.status === 404 && tolerate404) return [];
    if (r.status >= 400)
      throw new AppError(
        r.status === 404 ? 'MODEL_NOT_FOUND' : 'TEACHER_FAILED',
        `${this.base}/models answered HTTP ${r.status} (${errorMessage(r)}).`,
        {
          hint:
            r.status === 404
              ? 'Check the URL (it usually ends in /v1), or name the served model (--teacher-model).'
              : 'Check that the server is healthy.',
          details: { url: this.base, status: r.status },
        },
      );
    try {
      const j = z.object({ data: z.array(z.object({ id: z.string() })) }).safeParse(JSON.parse(r.text));
      return j.success ? j.data.data.map((m) => m.id) : [];
    } catch {
      return [];
    }
  }

  /** One chat completion with retries: 429 (after `Retry-After`), 5xx, timeouts and broken replies. */
  async call(body: Record<string, unknown>, signal?: AbortSignal): Promise<CallResult> {
    // One listener on the caller's signal for the whole call (queue, tries, waits), however many wait.
    const link = this.link(signal);
    try {
      return await this.tries(body, link.signal);
    } finally {
      link.dispose();
    }
  }

  private async tries(body: Record<string, unknown>, signal: AbortSignal): Promise<CallResult> {
    const attempts = this.opts.maxAttempts ?? 6;
    let last = '';
    let retryAfter: number | null = null;
    for (let attempt = 0; attempt < attempts; attempt++) {
      if (attempt > 0) await this.sleep(this.backoff(attempt - 1, retryAfter), signal);
      retryAfter = null;
      let r: HttpReply;
      try {
        r = await this.sem.run(() => this.http('POST', `${this.base}/chat/completions`, body, signal), signal);
      } catch (err) {
        if (err instanceof HttpFailure) {
          last = err.message;
          continue;
        }
        throw err;
      }
      this.answered = true;
      if (r.status === 401 || r.status === 403) throw this.unauthorized(r);
      if (r.status === 429 || r.status === 408 || r.status >= 500) {
        last = `${r.status} ${errorMessage(r)}`;
        retryAfter = retryAfterMs(r.headers['retry-after']);
        continue;
      }
      if (r.status === 404) throw this.failed(`${this.base}/chat/completions: ${errorMessage(r)} (HTTP 404)`);
      if (r.status >= 400) return { ok: false, status: r.status, message: errorMessage(r) };
      let json: unknown;
      try {
        json = JSON.parse(r.text);
      } catch {
        last = 'a reply body that is not JSON';
        continue;
      }
      const parsed = completionSchema.safeParse(json);
      if (!parsed.success) {
        last = 'a reply without choices';
        continue;
      }
      return { ok: true, value: parsed.data };
    }
    throw this.failed(`${this.base} kept failing: ${attempts} tries, the last one got ${last}.`);
  }

  private backoff(attempt: number, retryAfter: number | null): number {
    const max = this.opts.maxBackoffMs ?? 60_000;
    if (retryAfter !== null) return Math.min(retryAfter, max);
    const exp = Math.min(max, (this.opts.backoffMs ?? 1000) * 2 ** attempt);
    return exp / 2 + Math.random() * (exp / 2);
  }

  private async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    const link = this.link(signal);
    try {
      const s = link.signal;
      if (s.aborted) throw cancelled(s);
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => (s.removeEventListener('abort', onAbort), resolve()), ms);
        const onAbort = (): void => {
          clearTimeout(t);
          reject(cancelled(s));
        };
        s.addEventListener('abort', onAbort, { once: true });
      });
    } finally {
      link.dispose();
    }
  }

  /**
   * The caller's signal or `dispose()`, whichever comes first. Hand-made rather than
   * AbortSignal.any, whose listeners on the long-lived signal pile up over a run's thousands of calls.
   */
  private link(signal?: AbortSignal): { signal: AbortSignal; dispose(): void } {
    const ac = new AbortController();
    const sources = [this.closed.signal, ...(signal ? [signal] : [])];
    const onAbort = (e: Event): void => ac.abort((e.target as AbortSignal).reason);
    // One listener per call in flight (removed when it ends), so many calls on one job signal are no leak.
    setMaxListeners(0, ...sources);
    for (const s of sources) {
      if (s.aborted) ac.abort(s.reason);
      else s.addEventListener('abort', onAbort, { once: true });
    }
    return { signal: ac.signal, dispose: () => sources.forEach((s) => s.removeEventListener('abort', onAbort)) };
  }

  /** A request; a connection that cannot be made is an AppError at once (before any reply) or a retryable failure (mid-run). */
  async http(method: 'GET' | 'POST', url: string, body: unknown, signal?: AbortSignal): Promise<HttpReply> {
    const link = this.link(signal);
    try {
      return await httpJson(url, {
        method,
        body,
        agent: this.agent,
        headers: this.apiKey ? { authorization: `Bearer ${this.apiKey}` } : {},
        signal: link.signal,
        connectTimeoutMs: this.opts.connectTimeoutMs ?? 5000,
        timeoutMs: this.opts.timeoutMs ?? 600_000,
      });
    } catch (err) {
      if (err instanceof HttpFailure && err.kind === 'connect' && !this.answered)
        throw new AppError('TEACHER_UNREACHABLE', `The endpoint ${this.base} cannot be reached: ${err.message}.`, {
          hint: 'Check the URL and that the server (vLLM, ilab model serve, llama.cpp, Ollama, ...) is running.',
          details: { url: this.base, code: err.causeCode },
        });
      throw err;
    } finally {
      link.dispose();
    }
  }

  unauthorized(r: HttpReply): AppError {
    const where = this.opts.apiKeyEnv ? `the key in $${this.opts.apiKeyEnv}` : this.apiKey ? 'the saved key' : 'no key';
    return new AppError('UNAUTHORIZED', `${this.base} refused ${where} (HTTP ${r.status}: ${errorMessage(r)}).`, {
      hint: 'Pass the right key through an environment variable (--api-key-env VAR) or the app settings.',
      details: { url: this.base, status: r.status },
    });
  }

  failed(message: string): AppError {
    return new AppError('TEACHER_FAILED', message, { details: { url: this.base } });
  }

  async dispose(): Promise<void> {
    this.closed.abort(new AppError('CANCELLED', 'The teacher was closed'));
    this.agent.destroy();
  }
}
