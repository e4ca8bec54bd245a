/** Where a model's answers come from: the Python worker (checkpoints, HF folders) or the model host (GGUF). */

export interface ChoiceTask {
  id: string;
  prompt: string;
  options: string[];
  /** The prompt goes through the chat template (default); false = raw text (MMLU 5-shot). */
  chat?: boolean;
}

export interface GenerateTask {
  id: string;
  messages: Array<{ role: 'system' | 'user' | 'assistant'; content: string }>;
}

export interface AnswerTask {
  /** `id` is how results are keyed (`base`, `model`, `ckpt-3`...). */
  models: Array<{ id: string; path: string }>;
  choices: ChoiceTask[];
  generations: GenerateTask[];
  maxNewTokens: number;
  onProgress?(p: { modelId: string; done: number; total: number }): void;
  /** Each answer as it arrives (the evaluation journal keeps them, so a resumed run does not ask again). */
  onAnswer?(a: AnswerEvent): void;
  onLog?(line: string): void;
}

export type AnswerEvent =
  | { modelId: string; kind: 'choice'; itemId: string; value: { logprobs: number[]; tokens: number[] } }
  | { modelId: string; kind: 'generation'; itemId: string; value: string };

/** One model's raw answers; `failed` says why nothing (or not everything) could be answered. */
export interface AnswerSet {
  failed: string | null;
  /** Summed log-probability of each option's tokens, and their counts. */
  choices: Map<string, { logprobs: number[]; tokens: number[] }>;
  generations: Map<string, string>;
}

export interface AnswerSource {
  readonly name: string;
  answer(task: AnswerTask, signal: AbortSignal): Promise<Map<string, AnswerSet>>;
}

/**
 * The option a model prefers: highest mean log-probability per token (length-normalised, so a
 * long correct answer is not beaten by a short distractor just for being short).
 */
export function preferredOption(c: { logprobs: number[]; tokens: number[] }): number {
  let best = 0;
  let bestScore = -Infinity;
  c.logprobs.forEach((lp, i) => {
    const s = lp / Math.max(1, c.tokens[i] ?? 1);
    if (s > bestScore) {
      bestScore = s;
      best = i;
    }
  });
  return best;
}
