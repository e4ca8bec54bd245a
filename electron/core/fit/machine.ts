import type { HardwareInfo } from '../../shared/contract/index.js';

const MiB = 2 ** 20;

/** One device the trainer or llama.cpp can allocate on. */
export interface MachineGpu {
  name: string;
  totalBytes: number;
  /** Free memory at scan time when known, else the total: what a job started now can get. */
  availableBytes: number;
  /** bf16 needs compute capability ≥ 8.0 (Ampere) on NVIDIA; null when unknown. */
  computeCapability: number | null;
}

/** The hardware an estimate is made for: this machine's last scan or a profile. */
export interface Machine {
  /** `scan` or the profile id. */
  source: string;
  /** CUDA/ROCm devices the trainer can use (a MIG slice counts as one device). */
  trainGpus: MachineGpu[];
  /** The device llama.cpp would load onto (largest), also Apple's unified GPU and Vulkan devices. */
  chatGpu: MachineGpu | null;
  ramBytes: number;
  ramAvailableBytes: number;
  unifiedMemory: boolean;
}

const cc = (s: string | null): number | null => (s && Number.isFinite(Number(s)) ? Number(s) : null);

/** The devices in a scan: NVIDIA/AMD GPUs with ≥ 2 GB count for training; MIG slices replace their GPU. */
export function machineFromInfo(info: HardwareInfo): Machine {
  const trainGpus: MachineGpu[] = [];
  let chatGpu: MachineGpu | null = null;
  for (const g of info.gpus) {
    if (g.vramMb === null) continue;
    const compute = /nvidia|amd|advanced micro/i.test(g.vendor) && g.vramMb >= 2048;
    const devices: MachineGpu[] =
      g.mig.length > 0
        ? g.mig
            .filter((m) => m.memoryMb !== null)
            .map((m) => ({
              name: `GPU ${g.index} MIG ${m.profile}`,
              totalBytes: (m.memoryMb ?? 0) * MiB,
              availableBytes: (m.memoryMb ?? 0) * MiB,
              computeCapability: cc(g.computeCapability),
            }))
        : [
            {
              name: `GPU ${g.index} (${g.model})`,
              totalBytes: g.vramMb * MiB,
              availableBytes: (g.vramFreeMb ?? g.vramMb) * MiB,
              computeCapability: cc(g.computeCapability),
            },
          ];
    if (compute) trainGpus.push(...devices);
    const usableForChat = compute || g.unifiedMemory || info.backends?.selected === 'vulkan';
    for (const d of devices) if (usableForChat && (!chatGpu || d.availableBytes > chatGpu.availableBytes)) chatGpu = d;
  }
  if (chatGpu && info.backends && info.backends.selected === 'cpu') chatGpu = null;
  return {
    source: 'scan',
    trainGpus,
    chatGpu,
    ramBytes: info.memory.totalMb * MiB,
    ramAvailableBytes: info.memory.availableMb * MiB,
    unifiedMemory: info.gpus.some((g) => g.unifiedMemory),
  };
}

export const gib = (bytes: number): string => `${(bytes / 2 ** 30).toFixed(bytes >= 10 * 2 ** 30 ? 0 : 1)} GB`;
