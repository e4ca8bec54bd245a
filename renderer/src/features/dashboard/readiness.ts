import type { GpuInfo, HardwareInfo } from '../../../../electron/shared/contract';
import { formatMb } from '../../components/format';

export type Level = 'ready' | 'limited' | 'unavailable';

export interface Capability {
  id: 'chat' | 'sdg' | 'training' | 'disk';
  title: string;
  level: Level;
  detail: string;
}

const GB = 1024;

/** GPUs that the trainer and llama.cpp can use for real work (CUDA or ROCm). */
export function computeGpus(hw: HardwareInfo): GpuInfo[] {
  return hw.gpus.filter((g) => /nvidia|amd|advanced micro/i.test(g.vendor) && (g.vramMb ?? 0) >= 2 * GB);
}

/**
 * What this machine can honestly do, from a hardware scan. Rough rules of thumb (Q4 GGUF needs
 * ~0.6 GB per billion parameters; LoRA on a 7B model in bf16 wants ~24 GB VRAM), not promises.
 */
export function readiness(hw: HardwareInfo): Capability[] {
  const gpus = computeGpus(hw);
  const best = Math.max(0, ...gpus.map((g) => g.vramMb ?? 0));
  const totalVram = gpus.reduce((a, g) => a + (g.vramMb ?? 0), 0);
  const ram = hw.memory.totalMb;
  const free = hw.disk.freeMb;
  const caps: Capability[] = [];

  if (best >= 8 * GB) {
    caps.push({
      id: 'chat',
      title: 'Chat',
      level: 'ready',
      detail: `7B–13B GGUF models on the GPU (${formatMb(best)} VRAM).`,
    });
  } else if (ram >= 12 * GB) {
    caps.push({
      id: 'chat',
      title: 'Chat',
      level: 'limited',
      detail: 'Small GGUF models (up to ~7B, 4-bit) on the CPU, a few words per second.',
    });
  } else {
    caps.push({
      id: 'chat',
      title: 'Chat',
      level: 'limited',
      detail: 'Only small GGUF models (≤ 3B, 4-bit) on the CPU; memory is tight.',
    });
  }

  if (best >= 16 * GB) {
    caps.push({
      id: 'sdg',
      title: 'Synthetic data',
      level: 'ready',
      detail: 'A local 7B teacher model runs on the GPU.',
    });
  } else if (best >= 8 * GB) {
    caps.push({
      id: 'sdg',
      title: 'Synthetic data',
      level: 'limited',
      detail: 'A quantized local teacher fits on the GPU; generation is slower.',
    });
  } else {
    caps.push({
      id: 'sdg',
      title: 'Synthetic data',
      level: 'limited',
      detail: 'On the CPU a local teacher is very slow; expect hours for a small taxonomy.',
    });
  }

  const multi =
    gpus.length > 1 ? ` ${gpus.length} GPUs (${formatMb(totalVram)} together) train in parallel with torchrun.` : '';
  if (best >= 80 * GB) {
    caps.push({
      id: 'training',
      title: 'Training',
      level: 'ready',
      detail: `Full fine-tuning and LoRA of 7B models.${multi}`,
    });
  } else if (best >= 24 * GB) {
    caps.push({ id: 'training', title: 'Training', level: 'ready', detail: `LoRA fine-tuning of 7B models.${multi}` });
  } else if (best >= 12 * GB) {
    caps.push({
      id: 'training',
      title: 'Training',
      level: 'limited',
      detail: `LoRA on small models (up to ~3B).${multi}`,
    });
  } else if (gpus.length > 0) {
    caps.push({
      id: 'training',
      title: 'Training',
      level: 'limited',
      detail: 'The GPU has little memory: LoRA on models of ~1B parameters at most.',
    });
  } else {
    caps.push({
      id: 'training',
      title: 'Training',
      level: 'unavailable',
      detail:
        'No usable GPU: only tiny models train on the CPU (for trying the workflow). Real training needs a GPU with 16–24 GB or more.',
    });
  }

  if (free === null) {
    caps.push({ id: 'disk', title: 'Disk space', level: 'limited', detail: 'Free space is unknown.' });
  } else if (free >= 100 * GB) {
    caps.push({
      id: 'disk',
      title: 'Disk space',
      level: 'ready',
      detail: `${formatMb(free)} free: room for models, datasets and checkpoints.`,
    });
  } else if (free >= 30 * GB) {
    caps.push({
      id: 'disk',
      title: 'Disk space',
      level: 'limited',
      detail: `${formatMb(free)} free: enough for one 7B model and its checkpoints.`,
    });
  } else {
    caps.push({
      id: 'disk',
      title: 'Disk space',
      level: 'unavailable',
      detail: `Only ${formatMb(free)} free: too little for 7B models and checkpoints.`,
    });
  }
  return caps;
}

/** One sentence for the top of the card. */
export function summary(hw: HardwareInfo): string {
  const gpus = computeGpus(hw);
  if (gpus.length === 0) {
    return 'This machine has no GPU LabForge can use: you can chat with small models on the CPU and try the workflow with tiny models.';
  }
  const best = Math.max(...gpus.map((g) => g.vramMb ?? 0));
  if (best >= 24 * 1024) return 'This machine is ready for the full LAB workflow on 7B models.';
  return 'This machine can run the LAB workflow on small models; 7B training needs a GPU with more memory.';
}
