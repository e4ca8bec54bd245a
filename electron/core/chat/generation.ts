import type { ChatHistoryItem, LlamaContextSequence } from 'node-llama-cpp';
import type { ChatTurn, Sampling } from '../../shared/contract/index.js';
import { AppError } from '../../shared/errors.js';
import type { GenerationResult, HostStopReason } from './model-host-protocol.js';
import type { Loaded } from './model-loading.js';

/**
 * One generation on one sequence of a loaded model, whatever drives it (LlamaChat for chat,
 * LlamaCompletion for raw completions): the sequence from the pool, sampling defaults, time to
 * first token, stop reason and token counts.
 */

const DEFAULT_MAX_TOKENS = 2048;

export type OnText = (text: string) => void;

export type SamplingOptions = {
  signal: AbortSignal;
  stopOnAbortSignal: true;
  maxTokens: number;
  temperature: number;
  topK?: number;
  topP?: number;
  seed?: number;
  repeatPenalty?: { penalty: number };
};

/** What drives the model on the sequence: returns the text and node-llama-cpp's stop reason. */
export type GenerateStep = (
  seq: LlamaContextSequence,
  sampling: SamplingOptions,
  onChunk: { text: (t: string) => void; tokens: (t: readonly unknown[]) => void },
) => Promise<{ text: string; reason: string }>;

export interface GenerationRequest {
  loaded: Loaded;
  loadMs: number;
  promptTokens: number;
  /** Same key → same sequence, so the prompt prefix is reused. */
  cacheKey: string | undefined;
  sampling: Sampling;
}

export async function generateOnSequence(
  req: GenerationRequest,
  step: GenerateStep,
  signal: AbortSignal,
  onText: OnText,
): Promise<GenerationResult> {
  const { loaded } = req;
  const { seq, release } = await loaded.pool.acquire(req.cacheKey, signal);
  const t0 = performance.now();
  // Completion tokens are what the model sampled on this sequence (node-llama-cpp's token meter),
  // the same number whether the answer is streamed or not and whatever text was held back.
  const sampled0 = seq.tokenMeter.usedOutputTokens;
  let first = 0;
  let partial = '';
  try {
    const r = await step(seq, toSamplingOptions(req.sampling, signal), {
      text: (t) => {
        if (!first) first = performance.now();
        partial += t;
        onText(t);
      },
      tokens: () => {
        if (!first) first = performance.now();
      },
    }).catch((err: unknown) => {
      if (signal.aborted) return { text: partial, reason: 'abort' };
      throw err;
    });
    const end = performance.now();
    const reason: HostStopReason =
      signal.aborted || r.reason === 'abort' ? 'stopped' : r.reason === 'maxTokens' ? 'maxTokens' : 'eos';
    return {
      text: r.text,
      stopReason: reason,
      promptTokens: req.promptTokens,
      completionTokens: seq.tokenMeter.usedOutputTokens - sampled0,
      ttftMs: Math.round((first || end) - t0),
      genMs: Math.max(0, end - (first || end)),
      loadMs: req.loadMs,
      loaded: loaded.info,
    };
  } finally {
    release();
  }
}

function toSamplingOptions(s: Sampling, signal: AbortSignal): SamplingOptions {
  return {
    signal,
    stopOnAbortSignal: true,
    maxTokens: s.maxTokens ?? DEFAULT_MAX_TOKENS,
    temperature: s.temperature ?? 0.8,
    topK: s.topK ?? 40,
    topP: s.topP ?? 0.95,
    seed: s.seed,
    repeatPenalty: s.repeatPenalty === undefined ? undefined : { penalty: s.repeatPenalty },
  };
}

/** Chat turns as node-llama-cpp's history, ending with the (empty) model turn to generate. */
export function toHistory(turns: ChatTurn[]): ChatHistoryItem[] {
  const history: ChatHistoryItem[] = turns.map((t) =>
    t.role === 'system'
      ? { type: 'system', text: t.content }
      : t.role === 'user'
        ? { type: 'user', text: t.content }
        : { type: 'model', response: [t.content] },
  );
  history.push({ type: 'model', response: [] });
  return history;
}

/** Tokens of the history as the model's chat template renders it. */
export function countPrompt(loaded: Pick<Loaded, 'model' | 'wrapper'>, history: ChatHistoryItem[]): number {
  const { contextText } = loaded.wrapper.generateContextState({ chatHistory: history });
  return contextText.tokenize(loaded.model.tokenizer).length;
}

export function tooLong(tokens: number, contextSize: number): AppError {
  return new AppError(
    'PROMPT_TOO_LONG',
    `The prompt is ${tokens} tokens, but the model's context holds ${contextSize}.`,
    {
      hint: 'Shorten the message or the system prompt, or load the model with a larger context size.',
      details: { tokens, contextSize },
    },
  );
}
