import type { z } from 'zod';

/**
 * One interface for every model call that must return structure: SDG's generate and filter
 * blocks (the teacher) and evaluation's judge. Two implementations: a local GGUF in the model
 * host (several sequences of one loaded model, a JSON-schema grammar) and an OpenAI-compatible
 * endpoint (`response_format: json_schema`, bounded concurrency, retries, tagged-text fallback).
 *
 * A reply the caller cannot use is never thrown: it comes back as a reasoned rejection, so a run
 * records it ("teacher reply unparseable", "refused", ...) and goes on. Only cancellation and
 * errors that make every further call pointless (unreachable endpoint, wrong API key, model that
 * fails to load) throw an AppError.
 */

export interface TeacherMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface StructuredRequest<T> {
  messages: TeacherMessage[];
  /** JSON Schema of the reply (sent as a grammar or `response_format`). */
  jsonSchema: Record<string, unknown>;
  /** Validates the parsed reply; a reply that does not pass is a rejection, not a value. */
  schema: z.ZodType<T>;
  /** Name of the schema (`response_format.json_schema.name`); letters, digits, `_` and `-`. */
  schemaName: string;
  maxTokens?: number;
  temperature?: number;
  seed?: number;
  /** Independent replies wanted for the same prompt (the simple pipeline's `n`). Default 1. */
  n?: number;
}

export interface TeacherUsage {
  promptTokens: number;
  completionTokens: number;
}

/**
 * `reason` is one of a few stable names runs count drops under (`teacher reply unparseable`,
 * `teacher reply cut at max_tokens`, `teacher refused`, `teacher request rejected`: see
 * json-reply.ts); `detail` says more (the JSON error, the schema issue, the endpoint's message).
 */
export type TeacherReply<T> =
  { ok: true; value: T; raw: string } | { ok: false; reason: string; raw: string | null; detail?: string };

export interface TeacherResult<T> {
  /** One entry per requested reply (`n`), in order. */
  replies: TeacherReply<T>[];
  usage: TeacherUsage;
  ms: number;
}

export interface TeacherInfo {
  kind: 'local' | 'endpoint';
  /** A library id / GGUF path, or the endpoint URL. */
  source: string;
  /** The served model's name (endpoint) or the GGUF's file name (local). */
  model: string;
  /** Calls (local: sequences) that run at once. */
  concurrency: number;
}

export interface Teacher extends AsyncDisposable {
  readonly info: TeacherInfo;
  /** Asks for JSON matching `jsonSchema`; never throws for an unusable reply (see above). */
  complete<T>(req: StructuredRequest<T>, signal?: AbortSignal): Promise<TeacherResult<T>>;
  /** Free text (an answer from a model under evaluation, a spellcheck copy). */
  text(
    req: Omit<StructuredRequest<never>, 'jsonSchema' | 'schema' | 'schemaName'>,
    signal?: AbortSignal,
  ): Promise<{ texts: string[]; usage: TeacherUsage; ms: number }>;
  /**
   * Tokens of `text` under the teacher's tokenizer (document chunking). Local teachers count
   * exactly; endpoints use the server's tokenize route where it has one, else an estimate.
   */
  countTokens(text: string, signal?: AbortSignal): Promise<{ tokens: number; exact: boolean }>;
  dispose(): Promise<void>;
}
