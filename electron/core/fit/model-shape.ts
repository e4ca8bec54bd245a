import type { ModelShape } from '../../shared/contract/index.js';

/** A model's shape with every number the training estimator needs. */
export interface FullShape {
  name: string;
  parameters: number;
  layers: number;
  hiddenSize: number;
  intermediateSize: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  vocabSize: number;
  tiedEmbeddings: boolean;
  maxContext: number;
}

/** Parameters by part: what LoRA freezes, what QLoRA quantises (linear layers) and what stays 16-bit. */
export interface ParamSplit {
  embedding: number;
  /** The output projection (0 when tied to the embedding). */
  head: number;
  /** The linear layers inside the decoder blocks (attention q/k/v/o and the MLP). */
  blockLinear: number;
  /** Norms and biases (small, never quantised). */
  other: number;
}

/**
 * Shapes of well-known dense decoder models, to fill in what a catalog entry (parameters only)
 * does not say. From each model's published config.json (Llama 3.2 1B/3B, Llama 2 7B/13B/70B,
 * Llama 3.1 8B, Granite 3 8B, Qwen2.5 14B/32B).
 */
const KNOWN: Array<Omit<FullShape, 'name' | 'maxContext' | 'tiedEmbeddings'> & { tied: boolean }> = [
  {
    parameters: 1.24e9,
    layers: 16,
    hiddenSize: 2048,
    intermediateSize: 8192,
    heads: 32,
    kvHeads: 8,
    headDim: 64,
    vocabSize: 128256,
    tied: true,
  },
  {
    parameters: 3.21e9,
    layers: 28,
    hiddenSize: 3072,
    intermediateSize: 8192,
    heads: 24,
    kvHeads: 8,
    headDim: 128,
    vocabSize: 128256,
    tied: true,
  },
  {
    parameters: 6.74e9,
    layers: 32,
    hiddenSize: 4096,
    intermediateSize: 11008,
    heads: 32,
    kvHeads: 32,
    headDim: 128,
    vocabSize: 32000,
    tied: false,
  },
  {
    parameters: 8.03e9,
    layers: 32,
    hiddenSize: 4096,
    intermediateSize: 14336,
    heads: 32,
    kvHeads: 8,
    headDim: 128,
    vocabSize: 128256,
    tied: false,
  },
  {
    parameters: 13.0e9,
    layers: 40,
    hiddenSize: 5120,
    intermediateSize: 13824,
    heads: 40,
    kvHeads: 40,
    headDim: 128,
    vocabSize: 32000,
    tied: false,
  },
  {
    parameters: 14.8e9,
    layers: 48,
    hiddenSize: 5120,
    intermediateSize: 13824,
    heads: 40,
    kvHeads: 8,
    headDim: 128,
    vocabSize: 152064,
    tied: false,
  },
  {
    parameters: 32.8e9,
    layers: 64,
    hiddenSize: 5120,
    intermediateSize: 27648,
    heads: 40,
    kvHeads: 8,
    headDim: 128,
    vocabSize: 152064,
    tied: false,
  },
  {
    parameters: 69.0e9,
    layers: 80,
    hiddenSize: 8192,
    intermediateSize: 28672,
    heads: 64,
    kvHeads: 8,
    headDim: 128,
    vocabSize: 32000,
    tied: false,
  },
];

/**
 * Parameter count of a Llama-style decoder (the architecture of Granite, Mistral, Qwen2, Llama):
 * embedding V·h, per block q (h·a·d), k and v (2·h·kv·d), o (a·d·h), a gated MLP (3·h·i) and two
 * RMSNorms (2h), a final norm (h) and, unless tied, an output projection V·h. Counting as in
 * transformers' `LlamaForCausalLM` (no biases).
 */
export function splitParams(s: Omit<FullShape, 'parameters' | 'name' | 'maxContext'>): ParamSplit {
  const q = s.heads * s.headDim;
  const kv = s.kvHeads * s.headDim;
  const perBlock = s.hiddenSize * q + 2 * s.hiddenSize * kv + q * s.hiddenSize + 3 * s.hiddenSize * s.intermediateSize;
  return {
    embedding: s.vocabSize * s.hiddenSize,
    head: s.tiedEmbeddings ? 0 : s.vocabSize * s.hiddenSize,
    blockLinear: s.layers * perBlock,
    other: s.layers * 2 * s.hiddenSize + s.hiddenSize,
  };
}

export const totalParams = (p: ParamSplit): number => p.embedding + p.head + p.blockLinear + p.other;

/**
 * Fills a shape's missing numbers. With the architecture fields given, the parameter count is
 * computed; with only a parameter count, the nearest known model's shape is scaled to it and
 * `unknowns` says so (activations then are a rough figure).
 */
export function completeShape(input: ModelShape): { shape: FullShape | null; unknowns: string[] } {
  const unknowns: string[] = [];
  const name = input.name ?? 'model';
  const archFields = ['layers', 'hiddenSize', 'intermediateSize', 'heads', 'vocabSize'] as const;
  const label: Record<(typeof archFields)[number], string> = {
    layers: 'num_hidden_layers',
    hiddenSize: 'hidden_size',
    intermediateSize: 'intermediate_size',
    heads: 'num_attention_heads',
    vocabSize: 'vocab_size',
  };
  const missingKeys = archFields.filter((f) => input[f] === undefined);
  const missing = missingKeys.map((f) => label[f]);
  if (missing.length === 0) {
    const heads = input.heads ?? 1;
    const hidden = input.hiddenSize ?? 1;
    const base = {
      layers: input.layers ?? 1,
      hiddenSize: hidden,
      intermediateSize: input.intermediateSize ?? 1,
      heads,
      kvHeads: input.kvHeads ?? heads,
      headDim: input.headDim ?? Math.round(hidden / heads),
      vocabSize: input.vocabSize ?? 1,
      tiedEmbeddings: input.tiedEmbeddings ?? false,
    };
    if (input.kvHeads === undefined) unknowns.push('num_key_value_heads missing: assumed equal to the attention heads');
    const counted = totalParams(splitParams(base));
    if (input.maxContext === undefined) unknowns.push('max_position_embeddings missing: assumed 4096 tokens');
    return {
      shape: { ...base, name, parameters: input.parameters ?? counted, maxContext: input.maxContext ?? 4096 },
      unknowns,
    };
  }
  if (input.parameters === undefined) {
    unknowns.push(`Cannot estimate: the model's parameter count and ${missing.join(', ')} are unknown`);
    return { shape: null, unknowns };
  }
  const p = input.parameters;
  const near = KNOWN.reduce((a, b) =>
    Math.abs(Math.log(b.parameters / p)) < Math.abs(Math.log(a.parameters / p)) ? b : a,
  );
  // Scale depth with the parameter ratio; width stays that of the nearest known model.
  const layers = Math.max(1, Math.round(near.layers * (p / near.parameters)));
  unknowns.push(
    `${missing.join(', ')} unknown: used the shape of a known ${(near.parameters / 1e9).toFixed(1)}B model scaled to ${(p / 1e9).toFixed(1)}B (activations are approximate)`,
  );
  if (input.maxContext === undefined) unknowns.push('context length unknown: assumed 4096 tokens');
  return {
    shape: {
      name,
      parameters: p,
      layers: input.layers ?? layers,
      hiddenSize: input.hiddenSize ?? near.hiddenSize,
      intermediateSize: input.intermediateSize ?? near.intermediateSize,
      heads: input.heads ?? near.heads,
      kvHeads: input.kvHeads ?? near.kvHeads,
      headDim: input.headDim ?? near.headDim,
      vocabSize: input.vocabSize ?? near.vocabSize,
      tiedEmbeddings: input.tiedEmbeddings ?? near.tied,
      maxContext: input.maxContext ?? 4096,
    },
    unknowns,
  };
}

const int = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : undefined);

/**
 * The shape from a Hugging Face config.json (Llama/Mistral/Granite/Qwen2 keys, with the GPT-2
 * style aliases n_layer/n_embd/n_head). Fields it lacks are left out for `completeShape` to report.
 */
export function shapeFromHfConfig(config: Record<string, unknown>, name: string): ModelShape {
  const text = (config.text_config ?? null) as Record<string, unknown> | null;
  const c = text && typeof text === 'object' ? { ...config, ...text } : config;
  const hidden = int(c.hidden_size) ?? int(c.n_embd) ?? int(c.d_model);
  const heads = int(c.num_attention_heads) ?? int(c.n_head);
  return {
    name,
    layers: int(c.num_hidden_layers) ?? int(c.n_layer),
    hiddenSize: hidden,
    intermediateSize:
      int(c.intermediate_size) ?? int(c.n_inner) ?? (hidden && c.model_type === 'gpt2' ? 4 * hidden : undefined),
    heads,
    kvHeads: int(c.num_key_value_heads) ?? (c.num_key_value_heads === undefined ? undefined : heads),
    headDim: int(c.head_dim),
    vocabSize: int(c.vocab_size),
    tiedEmbeddings: typeof c.tie_word_embeddings === 'boolean' ? c.tie_word_embeddings : undefined,
    maxContext: int(c.max_position_embeddings) ?? int(c.n_positions) ?? int(c.seq_length),
  };
}
