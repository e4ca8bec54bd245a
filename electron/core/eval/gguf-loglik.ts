import type { ChatHistoryItem, ChatWrapper, LlamaContextSequence, LlamaModel, Token } from 'node-llama-cpp';

/** One multiple-choice item for a GGUF model: each option scored as the continuation of the prompt. */
export interface LoglikItem {
  prompt: string;
  options: string[];
  /** The prompt is a user message in the model's chat template (else raw text). */
  chat: boolean;
}

export interface LoglikResult {
  /** Per item, per option: summed log-probability of the option's tokens, and their count. */
  logprobs: number[][];
  tokens: number[][];
}

// The full next-token distribution, untouched by sampling (temperature 1, no truncation).
const FULL = { temperature: 1, topK: 0, topP: 1, minP: 0 } as const;

function promptTokens(model: LlamaModel, wrapper: ChatWrapper, item: LoglikItem): Token[] {
  if (!item.chat) return model.tokenize(item.prompt);
  const history: ChatHistoryItem[] = [
    { type: 'user', text: item.prompt },
    { type: 'model', response: [] },
  ];
  return wrapper.generateContextState({ chatHistory: history }).contextText.tokenize(model.tokenizer);
}

/**
 * Log-likelihoods in the model host, the GGUF counterpart of the Python worker's scoring: the
 * sequence is cleared, prompt + option evaluated once, and the probability of each option token
 * read from the distribution at the position before it (node-llama-cpp's controlledEvaluate).
 */
export async function scoreOptions(
  loaded: {
    model: LlamaModel;
    wrapper: ChatWrapper;
    acquire(signal: AbortSignal): Promise<{ seq: LlamaContextSequence; release(): void }>;
  },
  items: LoglikItem[],
  signal: AbortSignal,
): Promise<LoglikResult> {
  const out: LoglikResult = { logprobs: [], tokens: [] };
  const { seq, release } = await loaded.acquire(signal);
  try {
    for (const item of items) {
      const prompt = promptTokens(loaded.model, loaded.wrapper, item);
      const lps: number[] = [];
      const counts: number[] = [];
      for (const option of item.options) {
        signal.throwIfAborted();
        const cont = loaded.model.tokenize(option);
        const all = [...prompt, ...cont];
        await seq.clearHistory();
        const start = prompt.length;
        const res = await seq.controlledEvaluate(
          all.map((t, i) =>
            i >= start - 1 && i < all.length - 1 ? [t, { generateNext: { probabilities: true, options: FULL } }] : t,
          ),
        );
        let lp = 0;
        for (let i = start - 1; i < all.length - 1; i++) {
          const p = res[i]?.next.probabilities?.get(all[i + 1]!) ?? 0;
          lp += Math.log(Math.max(p, 1e-30));
        }
        lps.push(lp);
        counts.push(cont.length);
      }
      out.logprobs.push(lps);
      out.tokens.push(counts);
    }
  } finally {
    await seq.clearHistory().catch(() => undefined);
    release();
  }
  return out;
}
