import type { GgufLayout } from './gguf-layout.js';

export interface ChatSetup {
  /** Layers on the GPU: 0 = CPU only; layers + 1 also puts the output layer there (llama.cpp's n_gpu_layers). */
  gpuLayers: number;
  contextSize: number;
  /** Parallel sequences (each has its own KV cache). */
  sequences: number;
  /** Flash attention computes the scores in tiles: no n_kv × n_ubatch × n_head scratch. */
  flashAttention?: boolean;
}

export interface ChatMemory {
  gpu: Record<string, number>;
  ram: Record<string, number>;
}

/** llama.cpp pads the KV cache size to a multiple of 256 (node-llama-cpp's padSafeContextSize does the same). */
export const padContext = (ctx: number): number => Math.ceil(ctx / 256) * 256;

/** node-llama-cpp's default batch: min(512, context). */
const ubatchOf = (ctx: number): number => Math.min(512, ctx);

/**
 * KV cache bytes of one layer for `cells` tokens: llama.cpp allocates K as n_embd_k_gqa × kv_size
 * and V as n_embd_v_gqa × kv_size per layer, f16 by default (`llama_kv_cache` constructor,
 * src/llama-kv-cache.cpp), where n_embd_k_gqa = head_count_kv × key_length.
 */
export function kvBytesPerLayer(g: GgufLayout, cells: number): number {
  if (g.kvHeads === null || g.keyLength === null || g.valueLength === null) return 0;
  return cells * g.kvHeads * (g.keyLength + g.valueLength) * 2;
}

/**
 * Memory of a loaded GGUF with one context. Weights are the file's tensor sizes: the last
 * `gpuLayers` blocks go to the GPU (llama.cpp offloads from the top: i ≥ n_layer − n_gpu_layers),
 * the output layer too when gpuLayers > n_layer, token_embd always stays in RAM (its rows are looked
 * up on the CPU; a tied output is copied to the GPU). Each layer's KV cache lives with the layer.
 * Compute buffers: the f32 logits output buffer in RAM (`llama_context::output_reserve`: n_vocab ×
 * n_batch × 4) and the graph's scratch on the main device, dominated by the f32 attention scores
 * (n_kv × n_ubatch × n_head × 4 without flash attention) and the logits of one ubatch
 * (n_vocab × n_ubatch × 4), plus per-token work tensors (≈ 4 × n_embd × n_ubatch × 4).
 */
export function chatMemory(g: GgufLayout, s: ChatSetup): ChatMemory {
  const L = g.layerBytes.length;
  const gpuLayers = Math.max(0, Math.min(s.gpuLayers, L + 1));
  const start = Math.max(0, L - gpuLayers);
  const outputOnGpu = gpuLayers > L;
  const cells = padContext(s.contextSize) * s.sequences;
  const kv = kvBytesPerLayer(g, cells);
  const ub = ubatchOf(s.contextSize);
  const vocab = g.vocabSize ?? 0;
  const gpu: Record<string, number> = {};
  const ram: Record<string, number> = {};
  let gpuWeights = 0;
  let ramWeights = g.embeddingBytes;
  g.layerBytes.forEach((b, i) => {
    if (i >= start && gpuLayers > 0) gpuWeights += b;
    else ramWeights += b;
  });
  if (outputOnGpu) gpuWeights += g.outputBytes + (g.tiedOutput ? g.embeddingBytes : 0);
  else ramWeights += g.outputBytes;
  const gpuKv = kv * (L - start) * (gpuLayers > 0 ? 1 : 0);
  const scores = s.flashAttention ? 0 : cells * (g.heads ?? 0);
  const scratch = 4 * ub * (scores + vocab + 4 * (g.hiddenSize ?? 0));
  ram.weights = ramWeights;
  ram.kv_cache = kv * L - gpuKv;
  ram.output_buffer = 4 * vocab * ub + 4 * ub;
  if (gpuLayers > 0) {
    gpu.weights = gpuWeights;
    gpu.kv_cache = gpuKv;
    gpu.compute_buffer = scratch;
  } else ram.compute_buffer = scratch;
  return { gpu, ram };
}
