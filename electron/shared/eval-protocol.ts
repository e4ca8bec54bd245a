import { z } from 'zod';

/**
 * The evaluation worker's protocol (native/labforge_trainer/eval_protocol.py mirrors it): one JSON
 * config file in, JSON Lines events out on stdout, logs on stderr. snake_case on the wire.
 */
export const EVAL_PROTOCOL_VERSION = 1;

export interface EvalWorkerChoiceItem {
  id: string;
  prompt: string;
  options: string[];
  /** The prompt is a user message put through the chat template (default); false = raw text (MMLU 5-shot). */
  chat?: boolean;
}

export interface EvalWorkerGenerateItem {
  id: string;
  messages: Array<{ role: 'system' | 'user' | 'assistant'; content: string }>;
}

export interface EvalWorkerConfig {
  version: 1;
  models: Array<{ id: string; path: string }>;
  choice_items: EvalWorkerChoiceItem[];
  generate_items: EvalWorkerGenerateItem[];
  max_new_tokens: number;
  batch_size: number;
  device: 'auto' | 'cpu' | 'cuda';
  system_prompt: string | null;
}

const time = z.number();
export const evalWorkerEventSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('started'),
    time,
    device: z.string(),
    models: z.number(),
    choice_items: z.number(),
    generate_items: z.number(),
  }),
  z.object({ type: z.literal('model_loaded'), time, model_id: z.string(), kind: z.string(), load_ms: z.number() }),
  z.object({ type: z.literal('model_failed'), time, model_id: z.string(), code: z.string(), message: z.string() }),
  z.object({
    type: z.literal('choice'),
    time,
    model_id: z.string(),
    item_id: z.string(),
    logprobs: z.array(z.number()),
    tokens: z.array(z.number()),
  }),
  z.object({
    type: z.literal('generation'),
    time,
    model_id: z.string(),
    item_id: z.string(),
    text: z.string(),
    tokens: z.number(),
  }),
  z.object({
    type: z.literal('progress'),
    time,
    model_id: z.string(),
    done: z.number(),
    total: z.number(),
    questions_per_min: z.number(),
  }),
  z.object({ type: z.literal('log'), time, level: z.string(), message: z.string() }),
  z.object({ type: z.literal('done'), time, models_scored: z.number(), models_failed: z.number() }),
  z.object({ type: z.literal('error'), time, code: z.string(), message: z.string(), hint: z.string().nullable() }),
]);
export type EvalWorkerEvent = z.infer<typeof evalWorkerEventSchema>;
