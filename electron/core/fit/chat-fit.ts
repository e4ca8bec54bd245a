import type { ChatPreset, DeviceFit, FitResult } from '../../shared/contract/index.js';
import { chatMemory, type ChatSetup } from './chat-memory.js';
import type { GgufLayout } from './gguf-layout.js';
import { gib, type Machine } from './machine.js';
import { splitParams, type FullShape } from './model-shape.js';
import { sum } from './train-memory.js';

/** node-llama-cpp leaves min(8% of VRAM, 1.6 GB) free by default (`defaultLlamaVramPadding` in getLlama.js). */
const vramPadding = (total: number): number => Math.min(total * 0.08, 1.6 * 2 ** 30);
/** RAM left for the OS and the app while a model is loaded. */
const RAM_RESERVE = 2 * 2 ** 30;
const DEFAULT_CONTEXT = 4096;

/**
 * A GGUF layout for a model known only by its shape (a catalog entry before download):
 * `bitsPerWeight` of the quantisation for the blocks (Q4_K_M ≈ 4.85, Q8_0 = 8.5, F16 = 16), the
 * embedding and output at Q6_K/Q8-ish 6.56 bits as llama.cpp's K-quant mixes keep them.
 */
export function layoutFromShape(s: FullShape, bitsPerWeight: number): GgufLayout {
  const p = splitParams(s);
  const perLayer = (p.blockLinear / s.layers) * (bitsPerWeight / 8) + (p.other / s.layers) * 4;
  return {
    name: s.name,
    fileBytes: Math.round(perLayer * s.layers + (p.embedding + p.head) * (6.56 / 8)),
    architecture: 'llama',
    layerBytes: Array.from({ length: s.layers }, () => Math.round(perLayer)),
    embeddingBytes: Math.round(p.embedding * (6.56 / 8)),
    outputBytes: Math.round(p.head * (6.56 / 8) + s.hiddenSize * 4),
    tiedOutput: s.tiedEmbeddings,
    parameters: s.parameters,
    trainContext: s.maxContext,
    hiddenSize: s.hiddenSize,
    feedForward: s.intermediateSize,
    heads: s.heads,
    kvHeads: s.kvHeads,
    keyLength: s.headDim,
    valueLength: s.headDim,
    vocabSize: s.vocabSize,
    unknowns: [],
  };
}

interface ChatEval {
  setup: ChatSetup;
  devices: DeviceFit[];
  fits: boolean;
  gpu: Record<string, number>;
  ram: Record<string, number>;
}

function evaluate(g: GgufLayout, m: Machine, setup: ChatSetup): ChatEval {
  const mem = chatMemory(g, setup);
  const devices: DeviceFit[] = [];
  const vram = m.chatGpu ? m.chatGpu.availableBytes - vramPadding(m.chatGpu.totalBytes) : 0;
  if (m.chatGpu && setup.gpuLayers > 0) {
    const need = sum(mem.gpu);
    devices.push({
      device: m.chatGpu.name,
      kind: 'gpu',
      requiredBytes: need,
      availableBytes: Math.round(vram),
      fits: need <= vram,
    });
  }
  // Unified memory: the GPU part comes out of the same RAM.
  const ramNeed = sum(mem.ram) + RAM_RESERVE + (m.unifiedMemory ? sum(mem.gpu) : 0);
  devices.push({
    device: 'RAM',
    kind: 'ram',
    requiredBytes: ramNeed,
    availableBytes: m.ramBytes,
    fits: ramNeed <= m.ramBytes,
  });
  return { setup, devices, fits: devices.every((d) => d.fits), gpu: mem.gpu, ram: mem.ram };
}

/** The most GPU layers that fit with `contextSize` (0 without a usable GPU). */
function bestGpuLayers(g: GgufLayout, m: Machine, contextSize: number, sequences: number): number {
  if (!m.chatGpu) return 0;
  for (let n = g.layerBytes.length + 1; n > 0; n--) {
    const e = evaluate(g, m, { gpuLayers: n, contextSize, sequences });
    if (e.devices.find((d) => d.kind === 'gpu')?.fits) return n;
  }
  return 0;
}

/** The largest context (multiple of 256, ≤ the trained one) that fits with `gpuLayers`. */
function largestContext(
  g: GgufLayout,
  m: Machine,
  gpuLayers: number,
  sequences: number,
  flashAttention = false,
): number | null {
  const limit = g.trainContext ?? 131072;
  let lo = 0;
  let hi = Math.ceil(limit / 256);
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (evaluate(g, m, { gpuLayers, contextSize: mid * 256, sequences, flashAttention }).fits) lo = mid;
    else hi = mid - 1;
  }
  return lo > 0 ? Math.min(lo * 256, limit) : null;
}

export function chatPreset(g: GgufLayout, m: Machine, context?: number): ChatPreset {
  const want = Math.min(context ?? DEFAULT_CONTEXT, g.trainContext ?? DEFAULT_CONTEXT);
  const layers = g.layerBytes.length;
  const gpuLayers = bestGpuLayers(g, m, want, 1);
  const fitsAt = largestContext(g, m, gpuLayers, 1);
  const contextSize = fitsAt === null ? want : Math.min(want, fitsAt);
  const where =
    gpuLayers > layers
      ? `all ${layers} layers on ${m.chatGpu?.name ?? 'the GPU'}`
      : gpuLayers > 0
        ? `${gpuLayers} of ${layers} layers on ${m.chatGpu?.name ?? 'the GPU'}, the rest in RAM`
        : m.chatGpu
          ? 'on the CPU (not even one layer fits the GPU)'
          : 'on the CPU (no GPU llama.cpp can use)';
  return { gpuLayers, contextSize, reason: `${where}, with a ${contextSize}-token context.` };
}

/** The answer to "can I chat with this GGUF here?" (given or best GPU layers, given or default context). */
export function fitChat(
  g: GgufLayout,
  m: Machine,
  req: { context?: number; gpuLayers?: number; sequences?: number; flashAttention?: boolean },
  unknowns: string[],
): FitResult {
  const preset = chatPreset(g, m, req.context);
  const contextSize = req.context ?? preset.contextSize;
  if (g.trainContext && contextSize > g.trainContext)
    unknowns.push(`context ${contextSize} is beyond the ${g.trainContext} tokens the model was trained for`);
  const gpuLayers = m.chatGpu
    ? Math.min(req.gpuLayers ?? bestGpuLayers(g, m, contextSize, 1), g.layerBytes.length + 1)
    : 0;
  const sequences = req.sequences ?? 1;
  const flashAttention = req.flashAttention ?? false;
  const e = evaluate(g, m, { gpuLayers, contextSize, sequences, flashAttention });
  const ratio = (d: DeviceFit): number => d.requiredBytes / Math.max(1, d.availableBytes);
  const t = e.devices.reduce((a, b) => (ratio(b) > ratio(a) ? b : a));
  const gpuDev = e.devices.find((d) => d.kind === 'gpu');
  const breakdown = t.kind === 'gpu' ? e.gpu : { ...e.ram, reserve: RAM_RESERVE };
  let seqs = 0;
  while (seqs < 64 && evaluate(g, m, { gpuLayers, contextSize, sequences: seqs + 1, flashAttention }).fits) seqs++;
  const split =
    gpuLayers > g.layerBytes.length
      ? 'fully on the GPU'
      : gpuLayers > 0
        ? `${gpuLayers} layers on the GPU`
        : 'on the CPU';
  const reason = e.fits
    ? `${g.name} runs ${split} with a ${contextSize}-token context: ${gib(t.requiredBytes)} of ${gib(t.availableBytes)} on ${t.device}${gpuDev && t !== gpuDev ? ` (${gib(gpuDev.requiredBytes)} on the GPU)` : ''}.`
    : `${g.name} with a ${contextSize}-token context${sequences > 1 ? ` × ${sequences} sequences` : ''} needs ${gib(t.requiredBytes)} on ${t.device} but only ${gib(t.availableBytes)} is there.`;
  return {
    fits: e.fits,
    task: 'chat',
    method: null,
    model: { name: g.name, parameters: g.parameters, source: 'gguf' },
    requiredBytes: Math.round(t.requiredBytes),
    availableBytes: Math.round(t.availableBytes),
    device: t.device,
    gpus: gpuLayers > 0 ? 1 : 0,
    devices: e.devices.map((d) => ({ ...d, requiredBytes: Math.round(d.requiredBytes) })),
    breakdown: Object.fromEntries(Object.entries(breakdown).map(([k, v]) => [k, Math.round(v)])),
    largest: { batchSize: seqs > 0 ? seqs : null, context: largestContext(g, m, gpuLayers, sequences, flashAttention) },
    preset,
    reason,
    unknowns: [...g.unknowns, ...unknowns],
    hardware: m.source,
  };
}
