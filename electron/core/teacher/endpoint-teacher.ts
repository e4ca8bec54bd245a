import type { z } from 'zod';
import { AppError, isCancellation } from '../../shared/errors.js';
import {
  EndpointClient,
  normalizeUrl,
  type Choice,
  type Completion,
  type EndpointClientOptions,
} from './endpoint-client.js';
import { REFUSED, REQUEST_REJECTED, UNPARSEABLE, ignoresJson, taggedInstructions, toReply } from './json-reply.js';
import type { StructuredRequest, Teacher, TeacherInfo, TeacherMessage, TeacherReply, TeacherUsage } from './teacher.js';
import {
  rememberFormat,
  rememberedFormat,
  resolveApiKey,
  type OutputFormat,
  type SettingsStore,
} from './teacher-settings.js';

export interface EndpointTeacherOptions extends EndpointClientOptions {
  /** The endpoint, e.g. `http://127.0.0.1:8000/v1` (a bare origin gets `/v1`). */
  url: string;
  /** The served model; default the first of `/v1/models`. */
  model?: string;
  /** Name of the environment variable holding the API key (else the app's settings for the origin). */
  apiKeyEnv?: string;
  env?: NodeJS.ProcessEnv;
  /** App settings (API keys) and where the tagged-text fallback is remembered (KvStore). */
  store?: SettingsStore;
  log?: (line: string) => void;
}

/** Where an endpoint's 4xx says it cannot do structured output. */
const REFUSES_FORMAT = /response_format|json_schema|structured output|guided|grammar/i;

/** A documented estimate when the server has no tokenize route: ~4 characters or ~0.75 words per token. */
export function estimateTokens(text: string): number {
  const words = text.split(/\s+/).filter(Boolean).length;
  return Math.max(Math.ceil(text.length / 4), Math.ceil((words * 4) / 3));
}

/**
 * A teacher (or judge) behind any OpenAI-compatible endpoint: vLLM, `ilab model serve`,
 * llama.cpp's server, Ollama, LM Studio. Open it with `EndpointTeacher.open`, which checks the
 * endpoint answers and the key is accepted.
 */
export class EndpointTeacher implements Teacher {
  readonly info: TeacherInfo;
  private format: OutputFormat;
  private fallbackTried = false;
  /** Whether the server returns `n` choices in one reply (llama.cpp and Ollama do not). */
  private honoursN = true;
  private tokenizeRoute: boolean | null = null;

  private constructor(
    private readonly client: EndpointClient,
    model: string,
    private readonly opts: EndpointTeacherOptions,
  ) {
    this.info = { kind: 'endpoint', source: client.base, model, concurrency: client.concurrency };
    this.format = rememberedFormat(opts.store, client.base, model) ?? 'json_schema';
  }

  /** Checks the endpoint answers and accepts the key, and picks the model (default: the first listed). */
  static async open(opts: EndpointTeacherOptions, signal?: AbortSignal): Promise<EndpointTeacher> {
    const base = normalizeUrl(opts.url);
    const apiKey = resolveApiKey(base, { apiKeyEnv: opts.apiKeyEnv, env: opts.env, store: opts.store });
    const client = new EndpointClient(base, apiKey, opts);
    try {
      const listed = await client.listModels(opts.model !== undefined, signal);
      const model = opts.model ?? listed[0];
      if (!model)
        throw new AppError('MODEL_NOT_FOUND', `${base}/models lists no model, so the model name is unknown.`, {
          hint: 'Name the served model (--teacher-model / --judge-model).',
        });
      return new EndpointTeacher(client, model, opts);
    } catch (err) {
      await client.dispose();
      throw err;
    }
  }

  /** Requests in flight now. */
  get inFlight(): number {
    return this.client.inFlight;
  }

  /** How this endpoint is asked for JSON at present. */
  get outputFormat(): OutputFormat {
    return this.format;
  }

  async complete<T>(req: StructuredRequest<T>, signal?: AbortSignal) {
    const t0 = performance.now();
    const usage: TeacherUsage = { promptTokens: 0, completionTokens: 0 };
    const replies = await this.fanOut(req.n ?? 1, (n) => this.structured(req, n, usage, signal));
    return { replies, usage, ms: Math.round(performance.now() - t0) };
  }

  async text(req: Omit<StructuredRequest<never>, 'jsonSchema' | 'schema' | 'schemaName'>, signal?: AbortSignal) {
    const t0 = performance.now();
    const usage: TeacherUsage = { promptTokens: 0, completionTokens: 0 };
    const texts = await this.fanOut(req.n ?? 1, async (n) => {
      const r = await this.client.call(this.body(req.messages, req, n, null), signal);
      if (!r.ok) throw this.client.failed(`The endpoint refused the request (HTTP ${r.status}): ${r.message}`);
      this.addUsage(usage, r.value, req.messages);
      return r.value.choices.map((c) => c.message?.content ?? c.text ?? '');
    });
    return { texts, usage, ms: Math.round(performance.now() - t0) };
  }

  async countTokens(text: string, signal?: AbortSignal): Promise<{ tokens: number; exact: boolean }> {
    if (this.tokenizeRoute !== false) {
      const origin = this.client.base.replace(/\/v1$/, '');
      try {
        const r = await this.client.http(
          'POST',
          `${origin}/tokenize`,
          { model: this.info.model, content: text, prompt: text },
          signal,
        );
        const j = r.status === 200 ? (JSON.parse(r.text) as { tokens?: unknown[]; count?: number }) : null;
        const n = typeof j?.count === 'number' ? j.count : Array.isArray(j?.tokens) ? j.tokens.length : null;
        this.tokenizeRoute = n !== null;
        if (n !== null) return { tokens: n, exact: true };
      } catch (err) {
        if (isCancellation(err) || err instanceof AppError) throw err;
        this.tokenizeRoute = false;
      }
    }
    return { tokens: estimateTokens(text), exact: false };
  }

  dispose(): Promise<void> {
    return this.client.dispose();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.dispose();
  }

  /** `n` replies: one request asking for `n` where the server honours it, else `n` requests in parallel. */
  private async fanOut<R>(n: number, ask: (n: number) => Promise<R[]>): Promise<R[]> {
    const out = this.honoursN ? await ask(n) : [];
    if (out.length > n) out.length = n;
    if (out.length < n && this.honoursN && n > 1) this.honoursN = false;
    const missing = n - out.length;
    if (missing > 0) {
      const more = await Promise.all(Array.from({ length: missing }, () => ask(1)));
      for (const m of more) out.push(...m.slice(0, 1));
    }
    return out;
  }

  private async structured<T>(
    req: StructuredRequest<T>,
    n: number,
    usage: TeacherUsage,
    signal: AbortSignal | undefined,
    force?: OutputFormat,
  ): Promise<TeacherReply<T>[]> {
    const format = force ?? this.format;
    const messages = format === 'tagged' ? withInstructions(req.messages, req.jsonSchema) : req.messages;
    const r = await this.client.call(this.body(messages, req, n, format === 'json_schema' ? req : null), signal);
    if (!r.ok) {
      if (format === 'json_schema' && r.status < 500 && REFUSES_FORMAT.test(r.message)) {
        this.useTagged(`it refused response_format (HTTP ${r.status}: ${r.message})`);
        return this.structured(req, n, usage, signal, 'tagged');
      }
      const detail = `HTTP ${r.status}: ${r.message}`;
      return Array.from({ length: n }, () => ({ ok: false as const, reason: REQUEST_REJECTED, raw: null, detail }));
    }
    this.addUsage(usage, r.value, messages);
    const replies = r.value.choices.map((c) => choiceReply(c, req.schema));
    const ignored = r.value.choices.every((c, i) => {
      const reply = replies[i];
      return (
        reply &&
        !reply.ok &&
        reply.reason === UNPARSEABLE &&
        c.finish_reason !== 'length' &&
        ignoresJson(reply.raw ?? '')
      );
    });
    if (format === 'json_schema' && !force && ignored && replies.length > 0 && !this.fallbackTried) {
      this.fallbackTried = true;
      const tagged = await this.structured(req, n, usage, signal, 'tagged');
      if (tagged.some((t) => t.ok)) this.useTagged('its replies ignored response_format');
      return tagged;
    }
    return replies;
  }

  private useTagged(why: string): void {
    if (this.format === 'tagged') return;
    this.format = 'tagged';
    rememberFormat(this.opts.store, this.client.base, this.info.model, 'tagged');
    this.opts.log?.(
      `${this.client.base} (${this.info.model}): asking for tagged JSON text from now on, because ${why}`,
    );
  }

  private body(
    messages: TeacherMessage[],
    req: { maxTokens?: number; temperature?: number; seed?: number },
    n: number,
    format: { jsonSchema: Record<string, unknown>; schemaName: string } | null,
  ): Record<string, unknown> {
    return {
      model: this.info.model,
      messages,
      stream: false,
      ...(n > 1 ? { n } : {}),
      ...(req.maxTokens === undefined ? {} : { max_tokens: req.maxTokens }),
      ...(req.temperature === undefined ? {} : { temperature: req.temperature }),
      ...(req.seed === undefined ? {} : { seed: req.seed }),
      ...(format
        ? {
            response_format: {
              type: 'json_schema',
              json_schema: { name: format.schemaName, schema: format.jsonSchema, strict: true },
            },
          }
        : {}),
    };
  }

  private addUsage(usage: TeacherUsage, c: Completion, messages: TeacherMessage[]): void {
    usage.promptTokens += c.usage?.prompt_tokens ?? estimateTokens(messages.map((m) => m.content).join('\n'));
    usage.completionTokens +=
      c.usage?.completion_tokens ??
      c.choices.reduce((s, ch) => s + estimateTokens(ch.message?.content ?? ch.text ?? ''), 0);
  }
}

function withInstructions(messages: TeacherMessage[], jsonSchema: Record<string, unknown>): TeacherMessage[] {
  const out = messages.map((m) => ({ ...m }));
  const last = [...out].reverse().find((m) => m.role === 'user');
  if (last) last.content += `\n${taggedInstructions(jsonSchema)}`;
  else out.push({ role: 'user', content: taggedInstructions(jsonSchema).trim() });
  return out;
}

function choiceReply<T>(c: Choice, schema: z.ZodType<T>): TeacherReply<T> {
  if (c.message?.refusal) return { ok: false, reason: REFUSED, raw: c.message.refusal };
  const raw = c.message?.content ?? c.text ?? '';
  if (c.finish_reason === 'content_filter') return { ok: false, reason: REFUSED, raw, detail: 'content filter' };
  return toReply(raw, schema, { truncated: c.finish_reason === 'length' });
}
