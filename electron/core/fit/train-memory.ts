import type { Sharding, TrainMethod } from '../../shared/contract/index.js';
import { splitParams, type FullShape } from './model-shape.js';

export const GiB = 2 ** 30;

export interface TrainSetup {
  method: TrainMethod;
  /** Tokens per sequence. */
  seqLen: number;
  /** Sequences per micro-batch per GPU. */
  batchSize: number;
  gradientCheckpointing: boolean;
  /** GPUs (0 = train on the CPU in RAM). */
  gpus: number;
  sharding: Sharding;
  offloadOptimizer: boolean;
  loraRank: number;
}

export interface TrainMemory {
  /** Peak bytes on each GPU (or in RAM when `gpus` is 0), by part. */
  perDevice: Record<string, number>;
  /** Bytes in CPU RAM for the whole run (offloaded optimizer states, the CPU-only case). */
  ram: Record<string, number>;
  /** Bytes that grow with tokens per micro-batch (for "largest batch that fits"). */
  bytesPerToken: number;
  trainableParams: number;
}

/**
 * CUDA context, cuBLAS/cuDNN workspaces and NCCL buffers: what a PyTorch process holds before it
 * allocates a tensor (PyTorch's CUDA semantics notes: several hundred MB to ~1 GB per device).
 */
export const CUDA_OVERHEAD = 1 * GiB;

/** QLoRA's NF4 with double quantization: 4 bits + 0.127 bits of constants per weight (Dettmers et al. 2023, §3). */
const NF4_BYTES = (4 + 0.127) / 8;

/**
 * Activation bytes one decoder block keeps per token for the backward pass, 16-bit activations,
 * PyTorch SDPA / flash attention (no s×s score matrix is kept). Counted the way Korthikanti et al.
 * 2022 ("Reducing Activation Recomputation in Large Transformer Models", §4.1: 34·s·b·h for a GPT
 * block with dropout) count, for a Llama block without dropout: the two RMSNorm inputs upcast to
 * fp32 (2 × 4h), q, k, v, the rotary outputs of q and k and the attention output (≈ 6 × 2h), and
 * the MLP's gate, up, SiLU(gate) and the product fed to down_proj (4 × 2i): 20h + 8i bytes.
 */
export const activationBytesPerTokenPerLayer = (s: FullShape): number => 20 * s.hiddenSize + 8 * s.intermediateSize;

/**
 * Logits for the loss: bf16 logits, their fp32 upcast for cross-entropy and its fp32 gradient, per
 * token × vocabulary (transformers' `ForCausalLMLoss` upcasts the logits to float).
 */
export const LOGIT_BYTES = 2 + 4 + 2;

/** LoRA adapter parameters on q/k/v/o of every block (the LAB default targets): r·(in + out) per matrix. */
export function loraParams(s: FullShape, rank: number): number {
  const q = s.heads * s.headDim;
  const kv = s.kvHeads * s.headDim;
  const perBlock = rank * (s.hiddenSize + q) + 2 * rank * (s.hiddenSize + kv) + rank * (q + s.hiddenSize);
  return s.layers * perBlock;
}

/**
 * Memory of one training run. Sources of each part:
 * - Full fine-tuning, mixed precision AdamW: 16 bytes per parameter = bf16 weights (2) + bf16
 *   gradients (2) + fp32 master weights (4) + fp32 Adam momentum and variance (8)
 *   (Rajbhandari et al. 2020, "ZeRO", §3.1: 2Ψ + 2Ψ + KΨ with K = 12).
 * - Sharding over G GPUs (ZeRO §5, Figure 1): ZeRO-2 divides gradients and optimizer states by G;
 *   FSDP FULL_SHARD (= ZeRO-3) divides the weights too and gathers one block's weights at a time
 *   (two blocks in flight with prefetch). DDP keeps a full copy on every GPU.
 * - Optimizer CPU offload (Ren et al. 2021, "ZeRO-Offload", §4): the fp32 master weights and Adam
 *   states (12Ψ) and the gradients handed to them (2Ψ) live in CPU RAM; the GPU keeps bf16 weights
 *   and gradient buckets.
 * - LoRA (Hu et al. 2021): frozen bf16 base (2 bytes/param) + adapters trained in fp32 with AdamW
 *   (4 weights + 4 gradients + 8 Adam = 16 bytes per adapter parameter).
 * - QLoRA (Dettmers et al. 2023): block linear weights in NF4 with double quantization (4.127
 *   bits), embeddings, output layer and norms stay bf16 (bitsandbytes does not quantise them).
 * - Activations: see `activationBytesPerTokenPerLayer`. With gradient checkpointing (Chen et al.
 *   2016, "Training Deep Nets with Sublinear Memory Cost") only each block's input (2h bytes per
 *   token) is kept, plus one block's activations while it is recomputed.
 */
export function trainingMemory(s: FullShape, t: TrainSetup): TrainMemory {
  const split = splitParams(s);
  const P = s.parameters;
  const G = Math.max(1, t.gpus);
  const onCpu = t.gpus === 0;
  const perDevice: Record<string, number> = {};
  const ram: Record<string, number> = {};
  let trainable = P;
  if (t.method === 'full') {
    const weights = 2 * P;
    const grads = 2 * P;
    const optimizer = 12 * P; // fp32 master weights 4 + Adam m, v 8
    const shardW = t.sharding === 'fsdp' ? G : 1;
    const shardG = t.sharding === 'fsdp' || t.sharding === 'zero2' ? G : 1;
    perDevice.weights = weights / shardW;
    if (t.sharding === 'fsdp' && G > 1) perDevice.gathered_blocks = 2 * (2 * (split.blockLinear / s.layers));
    perDevice.gradients = grads / shardG;
    if (t.offloadOptimizer) ram.optimizer_offload = optimizer + grads;
    else perDevice.optimizer = optimizer / shardG;
  } else {
    trainable = loraParams(s, t.loraRank);
    const frozen =
      t.method === 'qlora' ? split.blockLinear * NF4_BYTES + 2 * (split.embedding + split.head + split.other) : 2 * P;
    perDevice.weights = frozen;
    perDevice.adapters = 16 * trainable;
    if (t.method === 'qlora') perDevice.dequant_buffer = 2 * (split.blockLinear / s.layers / 4);
  }
  const tokens = t.seqLen * t.batchSize;
  const perLayer = activationBytesPerTokenPerLayer(s);
  const kept = t.gradientCheckpointing ? 2 * s.hiddenSize * s.layers + perLayer : perLayer * s.layers;
  const perToken = kept + LOGIT_BYTES * s.vocabSize;
  perDevice.activations = tokens * kept;
  perDevice.logits = tokens * LOGIT_BYTES * s.vocabSize;
  if (!onCpu) perDevice.cuda_context = CUDA_OVERHEAD;
  if (onCpu) {
    // On the CPU the "device" is RAM, and offloading means nothing.
    if (ram.optimizer_offload) {
      perDevice.optimizer = ram.optimizer_offload;
      delete ram.optimizer_offload;
    }
  }
  return { perDevice, ram, bytesPerToken: perToken, trainableParams: trainable };
}

export const sum = (r: Record<string, number>): number => Object.values(r).reduce((a, b) => a + b, 0);
