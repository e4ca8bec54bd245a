import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local OpenAI-compatible server for tests: the remote teacher or judge that cannot be reached
 * from here, speaking the real protocol (`/v1/models`, `/v1/chat/completions`, `/v1/completions`,
 * streamed as SSE or not, `n` choices, `usage`, and llama.cpp's `/tokenize`). What it answers is
 * decided by a deterministic function of the request the test provides, so a test scripts its
 * teacher; the same function can ask for misbehaviour (a status, a hang, a broken body, ...).
 *
 * ```ts
 * await using server = await startFakeOpenAi({
 *   reply: (req) => JSON.stringify({ question: `Q about ${req.lastUserText}`, answer: 'A' }),
 * });
 * // server.url === 'http://127.0.0.1:PORT/v1'
 * ```
 *
 * It binds 127.0.0.1 on port 0 and closes every connection on `close()`.
 */

/** A request the server received (every route), in arrival order. */
export interface RecordedRequest {
  method: string;
  /** The path without the query, e.g. `/v1/chat/completions`. */
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** The parsed JSON body (`null` for a GET or a body that is not JSON). */
  body: ChatBody | null;
  /** When it arrived (`performance.now()`). */
  at: number;
}

/** The fields of a chat/completions body the fake looks at; everything else is kept as sent. */
export interface ChatBody {
  model?: string;
  messages?: Array<{ role: string; content: string }>;
  prompt?: string;
  n?: number;
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  response_format?: { type: string; json_schema?: { name?: string; schema?: unknown; strict?: boolean } };
  max_tokens?: number;
  temperature?: number;
  seed?: number;
  [key: string]: unknown;
}

/** What the reply function sees: the request, plus conveniences for scripting. */
export interface ReplyContext {
  body: ChatBody;
  route: 'chat' | 'completions';
  /** Index of the choice being produced (0 ... n-1). */
  choice: number;
  /**
   * How many earlier requests had exactly this body (0 the first time): "fail, then succeed"
   * scripts key on it.
   */
  attempt: number;
  /** The content of the last user message (chat) or the prompt (completions). */
  lastUserText: string;
  /** Whether the request asked for `response_format` json_schema. */
  wantsJsonSchema: boolean;
}

/**
 * One reply. A string is the choice's content. An object asks for one of:
 * - `{ text, delayMs?, finishReason? }`: content after an optional delay;
 * - `{ refusal }`: OpenAI's refusal shape (`message.refusal` set, `content` null);
 * - `{ status, retryAfter?, message?, delayMs? }`: an HTTP error with an OpenAI error body
 *   (`Retry-After` header when given: seconds as a number, or any string such as an HTTP date);
 * - `{ hang: true }`: never answers (until the client goes away or the server closes);
 * - `{ brokenBody: true }`: HTTP 200 with a body that is not JSON.
 *
 * For `n > 1` the function is called once per choice; a non-content reply for choice 0 decides
 * the whole response.
 */
export type FakeReply =
  | string
  | { text: string; delayMs?: number; finishReason?: 'stop' | 'length' }
  | { refusal: string; delayMs?: number }
  | { status: number; retryAfter?: number | string; message?: string; delayMs?: number }
  | { hang: true }
  | { brokenBody: true };

export type ReplyFn = (ctx: ReplyContext) => FakeReply | Promise<FakeReply>;

export interface FakeOpenAiOptions {
  /** Decides every chat/completions reply. Default: `{"echo": <last user text>}`. */
  reply?: ReplyFn;
  /** The port to bind (default: a free one); a test that takes a server down and up again reuses it. */
  port?: number;
  /** Model names listed by `/v1/models`. Default `['fake-teacher']`. */
  models?: string[];
  /** When set, any other `Authorization: Bearer` value gets 401. */
  apiKey?: string;
  /** Answer 400 "response_format is not supported" to any request that sends `response_format`. */
  rejectResponseFormat?: boolean;
  /** Answer one choice whatever `n` asks (as llama.cpp's server and Ollama do). */
  ignoreN?: boolean;
  /** Serve llama.cpp's `POST /tokenize` (`{content}` → `{tokens}`) with this tokenizer; 404 when absent. */
  tokenize?: (text: string) => number[];
}

export interface FakeOpenAiServer extends AsyncDisposable {
  /** Base URL including `/v1`, e.g. `http://127.0.0.1:40123/v1`. */
  readonly url: string;
  /** The origin without `/v1`. */
  readonly origin: string;
  /** Every request received, in order (including rejected ones). */
  readonly requests: RecordedRequest[];
  /** Chat/completions requests only. */
  completionRequests(): RecordedRequest[];
  /** Requests being answered right now. */
  readonly inFlight: number;
  /** The most chat/completions requests that were in flight at once. */
  readonly maxInFlight: number;
  /** Replaces the reply function (for the next requests). */
  setReply(fn: ReplyFn): void;
  /** Forgets recorded requests and the in-flight maximum. */
  reset(): void;
  close(): Promise<void>;
}

/** A reply helper: the JSON text of `value`. */
export const json = (value: unknown): string => JSON.stringify(value);

/** Deterministic token count used for `usage`: whitespace-separated words (at least 1). */
export const fakeTokenCount = (text: string): number => Math.max(1, text.split(/\s+/).filter(Boolean).length);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

const errorBody = (message: string, type: string, code: string | null = null): unknown => ({
  error: { message, type, param: null, code },
});

type Normal = { kind: 'text'; text: string; finishReason: 'stop' | 'length' } | { kind: 'refusal'; refusal: string };

/** Starts the fake on 127.0.0.1, port 0. */
export async function startFakeOpenAi(opts: FakeOpenAiOptions = {}): Promise<FakeOpenAiServer> {
  let reply: ReplyFn = opts.reply ?? ((c) => json({ echo: c.lastUserText }));
  const models = opts.models ?? ['fake-teacher'];
  const requests: RecordedRequest[] = [];
  const seen = new Map<string, number>();
  let inFlight = 0;
  let maxInFlight = 0;
  let created = 0;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const raw = req.method === 'POST' ? await readBody(req) : '';
    let body: ChatBody | null;
    try {
      body = raw ? (JSON.parse(raw) as ChatBody) : null;
    } catch {
      body = null;
    }
    requests.push({
      method: req.method ?? 'GET',
      path: url.pathname,
      headers: req.headers,
      body,
      at: performance.now(),
    });

    if (opts.apiKey !== undefined && req.headers.authorization !== `Bearer ${opts.apiKey}`) {
      return sendJson(res, 401, errorBody('Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key'));
    }
    if (req.method === 'GET' && url.pathname === '/v1/models') {
      return sendJson(res, 200, {
        object: 'list',
        data: models.map((id) => ({ id, object: 'model', created: 0, owned_by: 'fake' })),
      });
    }
    if (req.method === 'POST' && url.pathname === '/tokenize') {
      if (!opts.tokenize) return sendJson(res, 404, errorBody('Not found', 'not_found_error'));
      const content = typeof body?.content === 'string' ? body.content : '';
      return sendJson(res, 200, { tokens: opts.tokenize(content) });
    }
    const route =
      url.pathname === '/v1/chat/completions' ? 'chat' : url.pathname === '/v1/completions' ? 'completions' : null;
    if (req.method !== 'POST' || !route)
      return sendJson(res, 404, errorBody(`No route ${url.pathname}`, 'not_found_error'));
    if (!body) return sendJson(res, 400, errorBody('The body is not valid JSON', 'invalid_request_error'));
    if (opts.rejectResponseFormat && body.response_format) {
      return sendJson(
        res,
        400,
        errorBody(
          "Unsupported parameter: 'response_format' is not supported with this model.",
          'invalid_request_error',
        ),
      );
    }

    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    try {
      await answer(route, body, raw, req, res);
    } finally {
      inFlight--;
    }
  };

  const answer = async (
    route: 'chat' | 'completions',
    body: ChatBody,
    raw: string,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> => {
    const attempt = seen.get(raw) ?? 0;
    seen.set(raw, attempt + 1);
    const n = opts.ignoreN ? 1 : Math.max(1, body.n ?? 1);
    const messages = body.messages ?? [];
    const lastUserText =
      route === 'chat' ? ([...messages].reverse().find((m) => m.role === 'user')?.content ?? '') : (body.prompt ?? '');
    const wantsJsonSchema = body.response_format?.type === 'json_schema';
    const normals: Normal[] = [];
    for (let choice = 0; choice < n; choice++) {
      const r = await reply({ body, route, choice, attempt, lastUserText, wantsJsonSchema });
      if (typeof r === 'string') {
        normals.push({ kind: 'text', text: r, finishReason: 'stop' });
        continue;
      }
      if ('delayMs' in r && r.delayMs) await sleep(r.delayMs);
      if ('text' in r) normals.push({ kind: 'text', text: r.text, finishReason: r.finishReason ?? 'stop' });
      else if ('refusal' in r) normals.push({ kind: 'refusal', refusal: r.refusal });
      else if (choice === 0 && 'hang' in r) {
        await new Promise<void>((resolve) => req.socket.once('close', () => resolve()));
        return;
      } else if (choice === 0 && 'brokenBody' in r) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"id": "chatcmpl-broken", "choices": [ {"mess');
        return;
      } else if (choice === 0 && 'status' in r) {
        const headers: Record<string, string> = {};
        if (r.retryAfter !== undefined) headers['retry-after'] = String(r.retryAfter);
        const type = r.status === 429 ? 'rate_limit_error' : r.status >= 500 ? 'server_error' : 'invalid_request_error';
        return sendJson(res, r.status, errorBody(r.message ?? `Scripted ${r.status}`, type), headers);
      } else normals.push({ kind: 'text', text: '', finishReason: 'stop' });
    }
    const promptText = route === 'chat' ? messages.map((m) => m.content).join(' ') : (body.prompt ?? '');
    const usage = {
      prompt_tokens: fakeTokenCount(promptText),
      completion_tokens: normals.reduce((s, c) => s + (c.kind === 'text' ? fakeTokenCount(c.text) : 0), 0),
      total_tokens: 0,
    };
    usage.total_tokens = usage.prompt_tokens + usage.completion_tokens;
    const id = `${route === 'chat' ? 'chatcmpl' : 'cmpl'}-${++created}`;
    const model = body.model ?? models[0] ?? 'fake';
    if (body.stream) return stream(res, route, id, model, normals, body.stream_options?.include_usage ? usage : null);
    const choices = normals.map((c, index) =>
      route === 'chat'
        ? {
            index,
            message:
              c.kind === 'text'
                ? { role: 'assistant', content: c.text, refusal: null }
                : { role: 'assistant', content: null, refusal: c.refusal },
            finish_reason: c.kind === 'text' ? c.finishReason : 'stop',
          }
        : { index, text: c.kind === 'text' ? c.text : '', finish_reason: c.kind === 'text' ? c.finishReason : 'stop' },
    );
    sendJson(res, 200, {
      id,
      object: route === 'chat' ? 'chat.completion' : 'text_completion',
      created: 0,
      model,
      choices,
      usage,
    });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, errorBody(`Fake server error: ${String(err)}`, 'server_error'));
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const close = (): Promise<void> =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return {
    url: `${origin}/v1`,
    origin,
    requests,
    completionRequests: () => requests.filter((r) => /\/v1\/(chat\/)?completions$/.test(r.path)),
    get inFlight() {
      return inFlight;
    },
    get maxInFlight() {
      return maxInFlight;
    },
    setReply: (fn) => {
      reply = fn;
    },
    reset: () => {
      requests.length = 0;
      seen.clear();
      maxInFlight = inFlight;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** Streams choices as OpenAI SSE chunks: a role delta, the content in pieces, a finish chunk, `[DONE]`. */
function stream(
  res: ServerResponse,
  route: 'chat' | 'completions',
  id: string,
  model: string,
  choices: Normal[],
  usage: unknown,
): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  const object = route === 'chat' ? 'chat.completion.chunk' : 'text_completion';
  const chunk = (c: unknown[], extra: Record<string, unknown> = {}): void => {
    res.write(`data: ${JSON.stringify({ id, object, created: 0, model, choices: c, ...extra })}\n\n`);
  };
  choices.forEach((c, index) => {
    if (route === 'chat') chunk([{ index, delta: { role: 'assistant', content: '' }, finish_reason: null }]);
    if (c.kind === 'refusal') {
      chunk([{ index, delta: { refusal: c.refusal }, finish_reason: null }]);
    } else {
      for (const piece of c.text.match(/[\s\S]{1,7}/g) ?? []) {
        chunk([
          route === 'chat'
            ? { index, delta: { content: piece }, finish_reason: null }
            : { index, text: piece, finish_reason: null },
        ]);
      }
    }
    const finish = c.kind === 'text' ? c.finishReason : 'stop';
    chunk([
      route === 'chat' ? { index, delta: {}, finish_reason: finish } : { index, text: '', finish_reason: finish },
    ]);
  });
  if (usage) chunk([], { usage });
  res.end('data: [DONE]\n\n');
}
