import type { LlamaEmbeddingContext, LlamaModel, Token } from 'node-llama-cpp';
import { AppError } from '../../shared/errors.js';
import type { EmbedInput, EmbedResult } from './model-host-protocol.js';

/** The embedding context's size cap, as for chat contexts; the batch holds a whole input (pooling needs it). */
const MAX_EMBEDDING_CONTEXT = 8192;

/** llama.cpp's pooling types (`<arch>.pooling_type`); absent = none = the last token's hidden state. */
const POOLING = ['none', 'mean', 'cls', 'last', 'rank'] as const;

/** How the model pools: from its GGUF metadata (node-llama-cpp does not say it otherwise). */
export function poolingOf(model: LlamaModel): string {
  const meta = model.fileInfo.metadata as unknown as Record<string, { pooling_type?: number } | undefined>;
  const arch = (model.fileInfo.metadata.general as { architecture?: string } | undefined)?.architecture;
  const n = arch ? meta[arch]?.pooling_type : undefined;
  return n === undefined || n < 0 ? 'none' : (POOLING[n] ?? `type ${n}`);
}

const cannotEmbed = (name: string, why: string): AppError =>
  new AppError('UNSUPPORTED', `${name} cannot produce embeddings: ${why}.`, {
    hint: 'Use a model that can embed (a decoder such as Llama, or an embedding model such as nomic-embed or bge).',
    details: { reason: 'embeddings_unsupported' },
  });

/**
 * The model's embedding context, made once per loaded model. Refused before a context is made for
 * what cannot embed: rerankers (rank pooling yields a relevance score, not a vector; llama.cpp
 * would answer with it all the same) and encoder-decoder models (node-llama-cpp refuses them).
 */
export async function createEmbeddingContext(
  model: LlamaModel,
  name: string,
  threads: number,
): Promise<LlamaEmbeddingContext> {
  const pooling = poolingOf(model);
  if (pooling === 'rank') throw cannotEmbed(name, 'it is a reranker (rank pooling), which scores pairs of texts');
  if (model.fileInsights.hasEncoder && model.fileInsights.hasDecoder)
    throw cannotEmbed(name, 'it is an encoder-decoder model');
  const size = Math.min(model.trainContextSize, MAX_EMBEDDING_CONTEXT);
  try {
    return await model.createEmbeddingContext({ contextSize: { max: size }, batchSize: size, threads });
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    if (/not supported/i.test(msg)) throw cannotEmbed(name, msg.replace(/\.$/, ''));
    throw new AppError(
      /memory|alloc|VRAM/i.test(msg) ? 'OUT_OF_MEMORY' : 'MODEL_INVALID',
      `Embedding with ${name} failed: ${msg}`,
      {
        cause: err,
      },
    );
  }
}

/** Number of tokens in the vocabulary (GGUF `tokenizer.ggml.tokens`), null when the file does not list them. */
function vocabularySize(model: LlamaModel): number | null {
  return model.fileInfo.metadata.tokenizer?.ggml?.tokens?.length ?? null;
}

/**
 * One unit-length vector per input (as OpenAI's and llama.cpp's server's embeddings are). Token-id
 * inputs are checked against the vocabulary first: an id out of range would crash native code.
 */
export async function embedInputs(
  ctx: LlamaEmbeddingContext,
  model: LlamaModel,
  inputs: EmbedInput[],
  signal: AbortSignal,
): Promise<EmbedResult> {
  const vocab = vocabularySize(model);
  const resolved = inputs.map((input, i) => {
    if (typeof input === 'string') return input;
    if (vocab === null)
      throw new AppError('INVALID_REQUEST', 'This model does not list its vocabulary; send text, not token ids.');
    const bad = input.find((t) => !Number.isInteger(t) || t < 0 || t >= vocab);
    if (bad !== undefined)
      throw new AppError('INVALID_REQUEST', `input[${i}]: token id ${bad} is outside the vocabulary (0–${vocab - 1}).`);
    return input as Token[];
  });
  let promptTokens = 0;
  const vectors: number[][] = [];
  for (const [i, r] of resolved.entries()) {
    signal.throwIfAborted();
    const n = ctx.calculateInputLength(r);
    const { vector } = await ctx.getEmbeddingFor(r).catch((err: unknown) => {
      // node-llama-cpp checks the length against the context it got (which may be below the cap).
      if (err instanceof Error && /longer than the usable context/i.test(err.message))
        throw new AppError('PROMPT_TOO_LONG', `input[${i}] is ${n} tokens, more than this model embeds at once.`, {
          hint: 'Split the text into smaller pieces.',
          details: { tokens: n },
        });
      throw err;
    });
    promptTokens += n;
    vectors.push(normalize(vector));
  }
  return { vectors, promptTokens, pooling: poolingOf(model) };
}

function normalize(v: readonly number[]): number[] {
  const norm = Math.sqrt(v.reduce((a, x) => a + x * x, 0));
  return norm > 0 ? v.map((x) => x / norm) : [...v];
}
