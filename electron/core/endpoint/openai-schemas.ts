import { z } from 'zod';
import type { ChatTurn, Sampling } from '../../shared/contract/index.js';
import type { ResponseFormat } from '../chat/response-format.js';
import { grammarSchema } from './json-schema-support.js';

/** The parts of OpenAI's request bodies we honour; unknown fields are ignored, as OpenAI-compatible servers do. */
const content = z.union([
  z.string(),
  z.array(z.object({ type: z.string(), text: z.string().optional() }).loose()).transform((parts) =>
    parts
      .filter((p) => p.type === 'text')
      .map((p) => p.text ?? '')
      .join(''),
  ),
  z.null().transform(() => ''),
]);

const sampling = {
  model: z.string().optional(),
  stream: z.boolean().nullish(),
  stream_options: z.object({ include_usage: z.boolean().optional() }).loose().nullish(),
  temperature: z.number().min(0).max(5).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  top_k: z.number().int().min(0).nullish(),
  max_tokens: z.number().int().min(1).nullish(),
  max_completion_tokens: z.number().int().min(1).nullish(),
  seed: z.number().int().min(0).nullish(),
  repeat_penalty: z.number().min(0).nullish(),
  n: z.literal(1).nullish(),
};

/** OpenAI's `response_format`: free text, any JSON object, or JSON matching a schema. */
const responseFormat = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text') }).loose(),
  z.object({ type: z.literal('json_object') }).loose(),
  z
    .object({
      type: z.literal('json_schema'),
      json_schema: z
        .object({
          name: z.string().optional(),
          schema: z.record(z.string(), z.unknown()),
          strict: z.boolean().nullish(),
        })
        .loose(),
    })
    .loose(),
]);

export const chatCompletionRequestSchema = z
  .object({
    ...sampling,
    response_format: responseFormat.nullish(),
    messages: z.array(z.object({ role: z.enum(['system', 'developer', 'user', 'assistant']), content }).loose()).min(1),
  })
  .loose();
export type ChatCompletionRequest = z.infer<typeof chatCompletionRequestSchema>;

export const completionRequestSchema = z
  .object({
    ...sampling,
    prompt: z.union([
      z.string(),
      z
        .array(z.string())
        .length(1)
        .transform((a) => a[0] ?? ''),
    ]),
  })
  .loose();
export type CompletionRequest = z.infer<typeof completionRequestSchema>;

const tokenIds = z.array(z.number().int().min(0)).min(1, 'a token array must not be empty');
const text = z.string().min(1, 'an input must not be empty');

/** OpenAI's embeddings request: one text, texts, token ids or arrays of token ids (at most 2048 inputs). */
export const embeddingRequestSchema = z
  .object({
    model: z.string().optional(),
    input: z.union([
      text.transform((t) => [t]),
      tokenIds.transform((t) => [t]),
      z
        .array(z.union([text, tokenIds]))
        .min(1, 'input must not be empty')
        .max(2048),
    ]),
    encoding_format: z.enum(['float', 'base64']).nullish(),
    dimensions: z.number().int().min(1).nullish(),
    user: z.string().nullish(),
  })
  .loose();
export type EmbeddingRequest = z.infer<typeof embeddingRequestSchema>;

/** A vector as OpenAI's `encoding_format: base64` sends it: little-endian float32 bytes. */
export function base64Vector(v: number[]): string {
  const f = new Float32Array(v);
  return Buffer.from(f.buffer, f.byteOffset, f.byteLength).toString('base64');
}

type SamplingFields = { [K in keyof typeof sampling]?: z.infer<(typeof sampling)[K]> };

export function toSampling(b: SamplingFields): Sampling {
  const s: Sampling = {};
  if (b.temperature != null) s.temperature = b.temperature;
  if (b.top_p != null) s.topP = b.top_p;
  if (b.top_k != null) s.topK = b.top_k;
  const max = b.max_completion_tokens ?? b.max_tokens;
  if (max != null) s.maxTokens = max;
  if (b.seed != null) s.seed = b.seed;
  if (b.repeat_penalty != null) s.repeatPenalty = b.repeat_penalty;
  return s;
}

/**
 * The model host's form of `response_format` (undefined: free text). A schema the grammar cannot
 * hold throws a SchemaProblem (json-schema-support.ts).
 */
export function toResponseFormat(f: ChatCompletionRequest['response_format']): ResponseFormat | undefined {
  if (!f || f.type === 'text') return undefined;
  if (f.type === 'json_object') return { type: 'json_object' };
  return { type: 'json_schema', schema: grammarSchema(f.json_schema.schema) };
}

export function toTurns(messages: ChatCompletionRequest['messages']): ChatTurn[] {
  return messages.map((m) => ({ role: m.role === 'developer' ? 'system' : m.role, content: m.content }));
}

export const finishReason = (stop: string): 'stop' | 'length' => (stop === 'maxTokens' ? 'length' : 'stop');
