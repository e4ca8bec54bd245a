import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { z } from 'zod';
import { AppError, toErrorInfo, type ErrorCode } from '../../shared/errors.js';
import type { LoadSettings } from '../../shared/contract/index.js';
import type { ModelHost } from '../chat/model-host.js';
import type { GenerationResult, ModelRef } from '../chat/model-host-protocol.js';
import type { ModelLibrary } from '../models/model-library.js';
import { hostAllowed, originAllowed, tokenMatches } from '../headless/auth.js';
import type { ResponseFormat } from '../chat/response-format.js';
import { SchemaProblem } from './json-schema-support.js';
import {
  type ChatCompletionRequest,
  base64Vector,
  chatCompletionRequestSchema,
  completionRequestSchema,
  embeddingRequestSchema,
  finishReason,
  toResponseFormat,
  toSampling,
  toTurns,
} from './openai-schemas.js';

export interface OpenAiServerOptions {
  host: ModelHost;
  library: ModelLibrary;
  /** Resolves a library id or name, or (for the default model only) a GGUF path. */
  resolveModel(ref: string): ModelRef;
  /** The load settings remembered for a model in Chat (`{}`: the host's defaults). */
  settingsOf?(model: ModelRef): LoadSettings;
  /** Answers requests whose `model` is not a library model (what `ilab model serve` does). */
  defaultModel?: string;
  port?: number;
  apiKey?: string;
  /** Generations in flight (running or waiting for a sequence) before new ones get 429. Default 32. */
  maxQueue?: number;
}

const MAX_BODY = 16 * 2 ** 20;

const STATUS: Partial<Record<ErrorCode, number>> = {
  INVALID_REQUEST: 400,
  PROMPT_TOO_LONG: 400,
  MODEL_INVALID: 400,
  UNSUPPORTED: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  MODEL_NOT_FOUND: 404,
  OUT_OF_MEMORY: 507,
  WORKER_CRASHED: 503,
};

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type = 'invalid_request_error',
    readonly code: string | null = null,
    readonly param: string | null = null,
  ) {
    super(message);
  }
  headers: Record<string, string> = {};
}

/**
 * An OpenAI-compatible endpoint over the model host, on 127.0.0.1 only (like `ilab model serve`):
 * `/v1/models`, `/v1/chat/completions` and `/v1/completions` (streaming (SSE) or not) and
 * `/v1/embeddings`. Requests
 * need the API key when one is set; foreign Host or Origin headers are refused (DNS rebinding and
 * browser pages on other sites). A client that disconnects stops its generation.
 */
export class OpenAiServer implements AsyncDisposable {
  private readonly http: Server;
  private allowedHosts = new Set<string>();
  private readonly inflight = new Set<AbortController>();
  requests = 0;

  private constructor(private readonly opts: OpenAiServerOptions) {
    this.http = createServer((req, res) => void this.onRequest(req, res));
  }

  static async start(opts: OpenAiServerOptions): Promise<OpenAiServer> {
    if (opts.defaultModel) opts.resolveModel(opts.defaultModel); // fail now, not at the first request
    const s = new OpenAiServer(opts);
    await new Promise<void>((resolve, reject) => {
      s.http.once('error', (err: NodeJS.ErrnoException) =>
        reject(
          err.code === 'EADDRINUSE'
            ? new AppError('PORT_IN_USE', `Port ${opts.port} on 127.0.0.1 is already in use.`, {
                hint: 'Stop what uses it, or pick another port.',
              })
            : err,
        ),
      );
      s.http.listen(opts.port ?? 8000, '127.0.0.1', () => resolve());
    });
    const port = s.port;
    s.allowedHosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
    return s;
  }

  get port(): number {
    return (this.http.address() as AddressInfo).port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/v1`;
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.requests++;
    try {
      if (!hostAllowed(req.headers.host, this.allowedHosts))
        throw new HttpError(403, 'Forbidden: unexpected Host header', 'forbidden');
      if (!originAllowed(req.headers.origin, this.allowedHosts))
        throw new HttpError(403, 'Forbidden: requests from web pages on other sites are refused', 'forbidden');
      if (this.opts.apiKey) {
        const auth = req.headers.authorization ?? '';
        const given = auth.toLowerCase().startsWith('bearer ') ? auth.slice(7).trim() : null;
        if (!tokenMatches(this.opts.apiKey, given))
          throw new HttpError(
            401,
            'Incorrect or missing API key (send Authorization: Bearer <key>)',
            'invalid_request_error',
            'invalid_api_key',
          );
      }
      const url = new URL(req.url ?? '/', 'http://localhost');
      const route = `${req.method} ${url.pathname.replace(/\/+$/, '')}`;
      if (route === 'GET /v1/models') return this.json(res, 200, { object: 'list', data: this.models() });
      if (route === 'POST /v1/chat/completions') return await this.chatCompletions(req, res);
      if (route === 'POST /v1/completions') return await this.completions(req, res);
      if (route === 'POST /v1/embeddings') return await this.embeddings(req, res);
      throw new HttpError(404, `No route ${route}`, 'invalid_request_error', 'not_found');
    } catch (err) {
      this.fail(res, err);
    }
  }

  private models(): Array<{ id: string; object: 'model'; created: number; owned_by: string }> {
    const out = new Map<string, { id: string; object: 'model'; created: number; owned_by: string }>();
    if (this.opts.defaultModel) {
      const m = this.opts.resolveModel(this.opts.defaultModel);
      out.set(m.name, { id: m.name, object: 'model', created: 0, owned_by: 'labforge' });
    }
    for (const m of this.opts.library.list({ format: 'gguf' }))
      if (!out.has(m.name))
        out.set(m.name, { id: m.name, object: 'model', created: Math.floor(m.createdAt / 1000), owned_by: 'labforge' });
    return [...out.values()];
  }

  /** The request's model: a library model by id or name, else the default one. Never a path from the request. */
  private pick(name: string | undefined): ModelRef {
    const m = name ? this.opts.library.find(name) : null;
    if (m && m.format === 'gguf') return { path: m.path, name: m.name, modelId: m.id };
    if (this.opts.defaultModel) return this.opts.resolveModel(this.opts.defaultModel);
    throw new HttpError(
      404,
      name ? `The model "${name}" does not exist` : 'Name a model (see /v1/models)',
      'invalid_request_error',
      'model_not_found',
    );
  }

  private settingsOf(model: ModelRef): LoadSettings {
    return this.opts.settingsOf?.(model) ?? {};
  }

  private async chatCompletions(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = parse(chatCompletionRequestSchema, await readJson(req));
    const responseFormat = formatOf(body.response_format);
    const model = this.pick(body.model);
    const gen = (signal: AbortSignal, onText: (t: string) => void): Promise<GenerationResult> =>
      this.opts.host.chat(
        {
          model,
          settings: this.settingsOf(model),
          messages: toTurns(body.messages),
          sampling: toSampling(body),
          responseFormat,
        },
        { signal, onText },
      );
    await this.respond(res, body, model, 'chat.completion', gen);
  }

  private async completions(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = parse(completionRequestSchema, await readJson(req));
    const model = this.pick(body.model);
    const gen = (signal: AbortSignal, onText: (t: string) => void): Promise<GenerationResult> =>
      this.opts.host.complete(
        { model, settings: this.settingsOf(model), prompt: body.prompt, sampling: toSampling(body) },
        { signal, onText },
      );
    await this.respond(res, body, model, 'text_completion', gen);
  }

  /**
   * OpenAI's embeddings: unit-length vectors from the model host's embedding context (float or
   * base64 float32). A model that cannot embed is a 400 naming why, as is a `dimensions` other
   * than the model's own (llama.cpp cannot shorten a vector).
   */
  private async embeddings(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = parse(embeddingRequestSchema, await readJson(req));
    const model = this.pick(body.model);
    const ac = this.admit(res);
    try {
      const r = await this.opts.host
        .embed({ model, settings: this.settingsOf(model), inputs: body.input }, ac.signal)
        .catch((err: unknown) => {
          if (err instanceof AppError && err.code === 'UNSUPPORTED')
            throw new HttpError(
              400,
              `${err.message} ${err.hint ?? ''}`.trim(),
              'invalid_request_error',
              'model_cannot_embed',
            );
          throw err;
        });
      const size = r.vectors[0]?.length ?? 0;
      if (body.dimensions != null && body.dimensions !== size)
        throw new HttpError(
          400,
          `dimensions: ${model.name} makes ${size}-dimensional embeddings; it cannot return ${body.dimensions}.`,
          'invalid_request_error',
          'invalid_dimensions',
        );
      const base64 = body.encoding_format === 'base64';
      this.json(res, 200, {
        object: 'list',
        data: r.vectors.map((v, index) => ({ object: 'embedding', index, embedding: base64 ? base64Vector(v) : v })),
        model: model.name,
        usage: { prompt_tokens: r.promptTokens, total_tokens: r.promptTokens },
      });
    } finally {
      this.inflight.delete(ac);
    }
  }

  /** Counts a request against the queue bound (429 past it); the controller aborts when the client leaves. */
  private admit(res: ServerResponse): AbortController {
    const limit = this.opts.maxQueue ?? 32;
    if (this.inflight.size >= limit) {
      // Bounded: a client flooding the endpoint is told to come back, instead of queueing without end.
      const busy = new HttpError(
        429,
        `The endpoint is busy (${limit} requests in flight); retry shortly.`,
        'rate_limit_error',
        'rate_limit_exceeded',
      );
      busy.headers['retry-after'] = '1';
      throw busy;
    }
    const ac = new AbortController();
    this.inflight.add(ac);
    res.on('close', () => {
      if (!res.writableFinished) ac.abort(new AppError('CANCELLED', 'The client disconnected'));
    });
    return ac;
  }

  private async respond(
    res: ServerResponse,
    body: { stream?: boolean | null; stream_options?: { include_usage?: boolean } | null },
    model: ModelRef,
    kind: 'chat.completion' | 'text_completion',
    gen: (signal: AbortSignal, onText: (t: string) => void) => Promise<GenerationResult>,
  ): Promise<void> {
    const ac = this.admit(res);
    const id = `${kind === 'chat.completion' ? 'chatcmpl' : 'cmpl'}-${randomUUID().replace(/-/g, '').slice(0, 24)}`;
    const created = Math.floor(Date.now() / 1000);
    const usage = (r: GenerationResult) => ({
      prompt_tokens: r.promptTokens,
      completion_tokens: r.completionTokens,
      total_tokens: r.promptTokens + r.completionTokens,
    });
    try {
      if (!body.stream) {
        const r = await gen(ac.signal, () => undefined);
        const choice =
          kind === 'chat.completion'
            ? {
                index: 0,
                message: { role: 'assistant', content: r.text },
                logprobs: null,
                finish_reason: finishReason(r.stopReason),
              }
            : { index: 0, text: r.text, logprobs: null, finish_reason: finishReason(r.stopReason) };
        return this.json(res, 200, {
          id,
          object: kind,
          created,
          model: model.name,
          choices: [choice],
          usage: usage(r),
        });
      }
      const object = kind === 'chat.completion' ? 'chat.completion.chunk' : 'text_completion';
      const chunk = (delta: string | null, finish: string | null, role = false): unknown =>
        kind === 'chat.completion'
          ? {
              id,
              object,
              created,
              model: model.name,
              choices: [
                {
                  index: 0,
                  delta: delta === null ? {} : role ? { role: 'assistant', content: delta } : { content: delta },
                  logprobs: null,
                  finish_reason: finish,
                },
              ],
            }
          : {
              id,
              object,
              created,
              model: model.name,
              choices: [{ index: 0, text: delta ?? '', logprobs: null, finish_reason: finish }],
            };
      const event = (data: unknown): void => void res.write(`data: ${JSON.stringify(data)}\n\n`);
      let started = false;
      const start = (): void => {
        if (started) return;
        started = true;
        res.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-cache',
          connection: 'keep-alive',
        });
        if (kind === 'chat.completion') event(chunk('', null, true));
      };
      let r: GenerationResult;
      try {
        r = await gen(ac.signal, (t) => {
          start();
          event(chunk(t, null));
        });
      } catch (err) {
        if (!started) throw err;
        event({ error: openAiError(err) });
        res.end('data: [DONE]\n\n');
        return;
      }
      start();
      event(chunk(null, finishReason(r.stopReason)));
      if (body.stream_options?.include_usage)
        event({ id, object, created, model: model.name, choices: [], usage: usage(r) });
      res.end('data: [DONE]\n\n');
    } finally {
      this.inflight.delete(ac);
    }
  }

  private json(res: ServerResponse, status: number, body: unknown): void {
    if (res.destroyed) return;
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  }

  private fail(res: ServerResponse, err: unknown): void {
    if (res.headersSent) {
      res.end();
      return;
    }
    const status = err instanceof HttpError ? err.status : err instanceof AppError ? (STATUS[err.code] ?? 500) : 500;
    if (status === 500) console.error('[endpoint]', err);
    if (err instanceof HttpError) for (const [k, v] of Object.entries(err.headers)) res.setHeader(k, v);
    this.json(res, status, { error: openAiError(err) });
  }

  /** Stops listening and stops every generation in flight. */
  async close(): Promise<void> {
    for (const ac of this.inflight) ac.abort(new AppError('CANCELLED', 'The endpoint was stopped'));
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

function openAiError(err: unknown): { message: string; type: string; code: string | null; param: string | null } {
  if (err instanceof HttpError) return { message: err.message, type: err.type, code: err.code, param: err.param };
  const info = toErrorInfo(err);
  const status = err instanceof AppError ? (STATUS[err.code] ?? 500) : 500;
  return {
    message: info.hint ? `${info.message} ${info.hint}` : info.message,
    type: status < 500 ? 'invalid_request_error' : 'server_error',
    code: info.code.toLowerCase(),
    param: null,
  };
}

/** `response_format` for the host; a schema the grammar cannot hold is a 400 naming the place and keyword. */
function formatOf(f: ChatCompletionRequest['response_format']): ResponseFormat | undefined {
  try {
    return toResponseFormat(f);
  } catch (err) {
    if (!(err instanceof SchemaProblem)) throw err;
    const name = f?.type === 'json_schema' && f.json_schema.name ? ` '${f.json_schema.name}'` : '';
    throw new HttpError(
      400,
      `Invalid schema for response_format${name}: ${err.message}.`,
      'invalid_request_error',
      'invalid_json_schema',
      'response_format',
    );
  }
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > MAX_BODY) throw new HttpError(413, 'The request body is too large');
    chunks.push(c);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'The request body is not valid JSON');
  }
}

function parse<T extends z.ZodType>(schema: T, body: unknown): z.output<T> {
  const r = schema.safeParse(body);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new HttpError(400, `Invalid request: ${i ? `${i.path.join('.') || '(body)'}: ${i.message}` : 'bad body'}`);
  }
  return r.data;
}
