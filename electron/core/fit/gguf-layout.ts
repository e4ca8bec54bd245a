import { stat } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../../shared/errors.js';

/**
 * Bytes and elements per block of the ggml tensor types (`ggml_type_size` / `ggml_blck_size` in
 * ggml.c's type traits), by type id. A type missing here is sized from the file offsets instead.
 */
const BLOCKS: Record<number, [bytes: number, elements: number]> = {
  0: [4, 1],
  1: [2, 1],
  2: [18, 32],
  3: [20, 32],
  6: [22, 32],
  7: [24, 32],
  8: [34, 32],
  9: [36, 32],
  10: [84, 256],
  11: [110, 256],
  12: [144, 256],
  13: [176, 256],
  14: [210, 256],
  15: [292, 256],
  16: [66, 256],
  17: [74, 256],
  18: [98, 256],
  19: [50, 256],
  20: [18, 32],
  21: [110, 256],
  22: [82, 256],
  23: [136, 256],
  24: [1, 1],
  25: [2, 1],
  26: [4, 1],
  27: [8, 1],
  28: [8, 1],
  29: [56, 256],
  30: [2, 1],
  34: [54, 256],
  35: [66, 256],
  39: [17, 32],
};

/** What the chat estimator needs from a GGUF: tensor bytes by layer and the attention shape. */
export interface GgufLayout {
  name: string;
  fileBytes: number;
  architecture: string | null;
  /** Bytes of each `blk.N.*` group. */
  layerBytes: number[];
  /** token_embd: llama.cpp keeps it in RAM (rows are looked up on the CPU). */
  embeddingBytes: number;
  /** output + output_norm: on the GPU only when every layer is (gpuLayers > layers). */
  outputBytes: number;
  /** No separate output tensor: llama.cpp reuses token_embd, and copies it to the GPU for the output layer. */
  tiedOutput: boolean;
  parameters: number;
  trainContext: number | null;
  hiddenSize: number | null;
  feedForward: number | null;
  heads: number | null;
  kvHeads: number | null;
  keyLength: number | null;
  valueLength: number | null;
  vocabSize: number | null;
  unknowns: string[];
}

const n = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : null);

/** Reads a GGUF's header (never the weights) and groups its tensor sizes by layer. */
export async function readGgufLayout(file: string): Promise<GgufLayout> {
  let fileBytes: number;
  try {
    fileBytes = (await stat(file)).size;
  } catch (err) {
    throw new AppError('MODEL_NOT_FOUND', `No model file at ${file}`, { details: { path: file }, cause: err });
  }
  const { readGgufFileInfo } = await import('node-llama-cpp');
  let info: Awaited<ReturnType<typeof readGgufFileInfo>>;
  try {
    info = await readGgufFileInfo(file, { readTensorInfo: true, logWarnings: false });
  } catch (err) {
    throw new AppError(
      'MODEL_INVALID',
      `${path.basename(file)} is not a readable GGUF file: ${(err as Error).message}`,
      {
        details: { path: file },
        cause: err,
      },
    );
  }
  const tensors = [...(info.fullTensorInfo ?? info.tensorInfo ?? [])];
  const unknowns: string[] = [];
  const byOffset = [...tensors].sort((a, b) => Number(a.fileOffset) - Number(b.fileOffset));
  const sizeOf = new Map<string, number>();
  byOffset.forEach((t, i) => {
    const elements = t.dimensions.reduce<number>((a, d) => a * Number(d), 1);
    const block = BLOCKS[t.ggmlType];
    if (block) sizeOf.set(t.name, Math.ceil(elements / block[1]) * block[0]);
    else {
      const next = byOffset[i + 1];
      sizeOf.set(t.name, (next ? Number(next.fileOffset) : fileBytes) - Number(t.fileOffset));
      unknowns.push(`tensor type ${t.ggmlType} of ${t.name} sized from file offsets`);
    }
  });
  const layerBytes: number[] = [];
  let embeddingBytes = 0;
  let outputBytes = 0;
  let parameters = 0;
  let hasOutput = false;
  for (const t of tensors) {
    const bytes = sizeOf.get(t.name) ?? 0;
    parameters += t.dimensions.reduce<number>((a, d) => a * Number(d), 1);
    const blk = /^blk\.(\d+)\./.exec(t.name);
    if (blk) {
      const i = Number(blk[1]);
      layerBytes[i] = (layerBytes[i] ?? 0) + bytes;
    } else if (t.name.startsWith('token_embd')) embeddingBytes += bytes;
    else {
      if (t.name === 'output.weight') hasOutput = true;
      outputBytes += bytes;
    }
  }
  for (let i = 0; i < layerBytes.length; i++) layerBytes[i] ??= 0;
  const arch = info.architectureMetadata as unknown as Record<string, unknown>;
  const attention = (arch.attention ?? {}) as Record<string, unknown>;
  const general = (info.metadata as unknown as { general?: Record<string, unknown> }).general ?? {};
  const tokens = (info.metadata as unknown as { tokenizer?: { ggml?: { tokens?: unknown[] } } }).tokenizer?.ggml
    ?.tokens;
  const hidden = n(arch.embedding_length);
  const heads = n(attention.head_count);
  const kvHeads = n(attention.head_count_kv) ?? heads;
  const headDim = hidden && heads ? hidden / heads : null;
  const layout: GgufLayout = {
    name: typeof general.name === 'string' ? general.name : path.basename(file, '.gguf'),
    fileBytes,
    architecture: typeof general.architecture === 'string' ? general.architecture : null,
    layerBytes,
    embeddingBytes,
    outputBytes,
    tiedOutput: !hasOutput,
    parameters,
    trainContext: n(arch.context_length),
    hiddenSize: hidden,
    feedForward: n(arch.feed_forward_length),
    heads,
    kvHeads,
    keyLength: n(attention.key_length) ?? headDim,
    valueLength: n(attention.value_length) ?? headDim,
    vocabSize: n(arch.vocab_size) ?? (Array.isArray(tokens) ? tokens.length : null),
    unknowns,
  };
  if (layout.kvHeads === null || layout.keyLength === null)
    unknowns.push('attention shape missing from the GGUF metadata: the KV cache is not estimated');
  if (layerBytes.length === 0) unknowns.push('no blk.N tensors: GPU layer split not estimated');
  return layout;
}
