import type { HardwareProfile } from '../../shared/contract/index.js';
import { chatPreset, layoutFromShape } from './chat-fit.js';
import type { Machine, MachineGpu } from './machine.js';
import type { FullShape } from './model-shape.js';
import { trainingPreset } from './train-fit.js';

const GiB = 2 ** 30;

/** The LAB student of RHEL AI 1.4+ (granite-3.1-8b-base's config.json). */
export const LAB_STUDENT: FullShape = {
  name: 'Granite 3.1 8B',
  parameters: 8.17e9,
  layers: 40,
  hiddenSize: 4096,
  intermediateSize: 12800,
  heads: 32,
  kvHeads: 8,
  headDim: 128,
  vocabSize: 49155,
  tiedEmbeddings: true,
  maxContext: 131072,
};

/** The laptop teacher of the LAB reference (mistral-7b-instruct-v0.2, Q4_K_M ≈ 4.85 bits per weight). */
export const LAB_TEACHER: FullShape = {
  name: 'Mistral 7B Instruct Q4_K_M',
  parameters: 7.24e9,
  layers: 32,
  hiddenSize: 4096,
  intermediateSize: 14336,
  heads: 32,
  kvHeads: 8,
  headDim: 128,
  vocabSize: 32000,
  tiedEmbeddings: false,
  maxContext: 32768,
};
export const Q4_K_M_BITS = 4.85;

interface ProfileSpec {
  id: string;
  name: string;
  description: string;
  reference: boolean;
  gpu: { model: string; vramGb: number; count: number; cc: number } | null;
  ramGb: number;
  unified?: boolean;
}

/**
 * RHEL AI's hardware table (InstructLab profiles for 2/4/8×A100 and H100, 4/8×L40S, 8×L4; the
 * full workflow on 2×A100/H100 or 4×L40S; serving on one A100/H100 80 GB, L40S 48 GB or L4 24 GB)
 * and smaller machines RHEL AI has no profile for.
 */
const SPECS: ProfileSpec[] = [
  {
    id: 'rhel-ai-2xa100',
    name: '2× A100 80 GB',
    description: 'RHEL AI reference: the full LAB workflow (160 GB).',
    reference: true,
    gpu: { model: 'NVIDIA A100 80GB', vramGb: 80, count: 2, cc: 8.0 },
    ramGb: 512,
  },
  {
    id: 'rhel-ai-4xa100',
    name: '4× A100 80 GB',
    description: 'RHEL AI reference profile.',
    reference: true,
    gpu: { model: 'NVIDIA A100 80GB', vramGb: 80, count: 4, cc: 8.0 },
    ramGb: 1024,
  },
  {
    id: 'rhel-ai-8xa100',
    name: '8× A100 80 GB',
    description: 'RHEL AI reference profile.',
    reference: true,
    gpu: { model: 'NVIDIA A100 80GB', vramGb: 80, count: 8, cc: 8.0 },
    ramGb: 2048,
  },
  {
    id: 'rhel-ai-2xh100',
    name: '2× H100 80 GB',
    description: 'RHEL AI reference: the full LAB workflow (160 GB).',
    reference: true,
    gpu: { model: 'NVIDIA H100 80GB HBM3', vramGb: 80, count: 2, cc: 9.0 },
    ramGb: 512,
  },
  {
    id: 'rhel-ai-8xh100',
    name: '8× H100 80 GB',
    description: 'RHEL AI reference profile.',
    reference: true,
    gpu: { model: 'NVIDIA H100 80GB HBM3', vramGb: 80, count: 8, cc: 9.0 },
    ramGb: 2048,
  },
  {
    id: 'rhel-ai-4xl40s',
    name: '4× L40S 48 GB',
    description: 'RHEL AI reference: the full LAB workflow (192 GB).',
    reference: true,
    gpu: { model: 'NVIDIA L40S', vramGb: 48, count: 4, cc: 8.9 },
    ramGb: 512,
  },
  {
    id: 'rhel-ai-8xl40s',
    name: '8× L40S 48 GB',
    description: 'RHEL AI reference profile.',
    reference: true,
    gpu: { model: 'NVIDIA L40S', vramGb: 48, count: 8, cc: 8.9 },
    ramGb: 1024,
  },
  {
    id: 'rhel-ai-8xl4',
    name: '8× L4 24 GB',
    description: 'RHEL AI reference profile.',
    reference: true,
    gpu: { model: 'NVIDIA L4', vramGb: 24, count: 8, cc: 8.9 },
    ramGb: 512,
  },
  {
    id: 'rhel-ai-serve-a100',
    name: 'Serving: 1× A100/H100 80 GB',
    description: 'RHEL AI reference for serving a model.',
    reference: true,
    gpu: { model: 'NVIDIA A100 80GB', vramGb: 80, count: 1, cc: 8.0 },
    ramGb: 256,
  },
  {
    id: 'rhel-ai-serve-l40s',
    name: 'Serving: 1× L40S 48 GB',
    description: 'RHEL AI reference for serving a model.',
    reference: true,
    gpu: { model: 'NVIDIA L40S', vramGb: 48, count: 1, cc: 8.9 },
    ramGb: 128,
  },
  {
    id: 'rhel-ai-serve-l4',
    name: 'Serving: 1× L4 24 GB',
    description: 'RHEL AI reference for serving a model.',
    reference: true,
    gpu: { model: 'NVIDIA L4', vramGb: 24, count: 1, cc: 8.9 },
    ramGb: 64,
  },
  {
    id: 'gpu-80gb',
    name: 'One 80 GB GPU',
    description: 'One A100/H100: LoRA or full fine-tuning with the optimizer in RAM.',
    reference: false,
    gpu: { model: 'NVIDIA H100 80GB HBM3', vramGb: 80, count: 1, cc: 9.0 },
    ramGb: 256,
  },
  {
    id: 'gpu-24gb',
    name: 'One 24 GB GPU',
    description: 'A workstation card (RTX 4090/3090, L4): LoRA or QLoRA of a 7–8B student.',
    reference: false,
    gpu: { model: 'NVIDIA GeForce RTX 4090', vramGb: 24, count: 1, cc: 8.9 },
    ramGb: 64,
  },
  {
    id: 'gpu-small',
    name: 'One 8–16 GB GPU',
    description: 'A laptop or gaming card: chat on the GPU, QLoRA of small models.',
    reference: false,
    gpu: { model: 'NVIDIA GeForce RTX 4070', vramGb: 12, count: 1, cc: 8.9 },
    ramGb: 32,
  },
  {
    id: 'multi-gpu',
    name: 'Several GPUs',
    description: 'Four 24 GB cards: sharded full fine-tuning or LoRA with DDP.',
    reference: false,
    gpu: { model: 'NVIDIA GeForce RTX 4090', vramGb: 24, count: 4, cc: 8.9 },
    ramGb: 256,
  },
  {
    id: 'apple-silicon',
    name: 'Apple Silicon (unified memory)',
    description: 'A Mac with 32 GB: chat on Metal; training only of tiny models.',
    reference: false,
    gpu: null,
    ramGb: 32,
    unified: true,
  },
  {
    id: 'cpu-only',
    name: 'CPU only',
    description: 'No usable GPU: chat with small GGUF models, the workflow with tiny models.',
    reference: false,
    gpu: null,
    ramGb: 32,
  },
];

export function machineOfProfile(id: string): Machine | null {
  const s = SPECS.find((p) => p.id === id);
  if (!s) return null;
  const gpus: MachineGpu[] = s.gpu
    ? Array.from({ length: s.gpu.count }, (_, i) => ({
        name: `GPU ${i} (${s.gpu?.model ?? ''})`,
        totalBytes: (s.gpu?.vramGb ?? 0) * GiB,
        availableBytes: (s.gpu?.vramGb ?? 0) * GiB,
        computeCapability: s.gpu?.cc ?? null,
      }))
    : [];
  const unifiedGpu: MachineGpu | null = s.unified
    ? {
        name: 'Apple GPU (unified memory)',
        totalBytes: (s.ramGb * GiB * 2) / 3,
        availableBytes: (s.ramGb * GiB * 2) / 3,
        computeCapability: null,
      }
    : null;
  return {
    source: s.id,
    trainGpus: gpus,
    chatGpu: gpus[0] ?? unifiedGpu,
    ramBytes: s.ramGb * GiB,
    ramAvailableBytes: s.ramGb * GiB,
    unifiedMemory: s.unified ?? false,
  };
}

/** Every profile with the presets the estimator computes for the LAB student and teacher on it. */
export function listProfiles(): HardwareProfile[] {
  return SPECS.map((s) => {
    const m = machineOfProfile(s.id) as Machine;
    return {
      id: s.id,
      name: s.name,
      description: s.description,
      reference: s.reference,
      gpu: s.gpu ? { model: s.gpu.model, vramMb: s.gpu.vramGb * 1024, count: s.gpu.count } : null,
      ramMb: s.ramGb * 1024,
      training: m.trainGpus.length > 0 ? trainingPreset(LAB_STUDENT, m) : null,
      chat: chatPreset(layoutFromShape(LAB_TEACHER, Q4_K_M_BITS), m),
    };
  });
}

export const profileName = (id: string): string => SPECS.find((s) => s.id === id)?.name ?? id;

/** The profile this machine is closest to, and why. */
export function matchProfile(m: Machine, gpuModel: string | null): { id: string; reason: string } {
  const G = m.trainGpus.length;
  const vram = Math.min(...m.trainGpus.map((g) => g.totalBytes)) / GiB;
  if (G === 0) {
    if (m.unifiedMemory) return { id: 'apple-silicon', reason: 'Apple Silicon: the GPU shares the system memory.' };
    return { id: 'cpu-only', reason: 'No NVIDIA or AMD GPU with 2 GB or more was found.' };
  }
  const model = (gpuModel ?? '').toUpperCase();
  const family = /H100|H200/.test(model)
    ? 'h100'
    : /A100/.test(model)
      ? 'a100'
      : /L40S/.test(model)
        ? 'l40s'
        : /\bL4\b/.test(model)
          ? 'l4'
          : null;
  const ref = family && SPECS.find((s) => s.id === `rhel-ai-${G}x${family}`);
  if (ref) return { id: ref.id, reason: `${G}× ${gpuModel}: a RHEL AI reference configuration.` };
  if (G > 1) return { id: 'multi-gpu', reason: `${G} GPUs with ${vram.toFixed(0)} GB each.` };
  if (vram >= 70) return { id: 'gpu-80gb', reason: `One GPU with ${vram.toFixed(0)} GB.` };
  if (vram >= 20) return { id: 'gpu-24gb', reason: `One GPU with ${vram.toFixed(0)} GB.` };
  return { id: 'gpu-small', reason: `One GPU with ${vram.toFixed(0)} GB.` };
}
