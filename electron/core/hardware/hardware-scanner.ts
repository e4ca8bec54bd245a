import { statfs } from 'node:fs/promises';
import os from 'node:os';
import si from 'systeminformation';
import type { GpuInfo, HardwareInfo } from '../../shared/contract/index.js';
import { queryNvidiaSmi } from './nvidia-smi.js';

export type ScanStage = 'os' | 'cpu' | 'memory' | 'gpu' | 'disk';

/**
 * Reads what this machine has. nvidia-smi is preferred for NVIDIA GPUs (systeminformation does
 * not know the CUDA version); other vendors come from systeminformation's controller list.
 */
export async function scanHardware(
  dataDir: string,
  onStage: (stage: ScanStage, index: number, total: number) => void,
  signal: AbortSignal,
): Promise<HardwareInfo> {
  const notes: string[] = [];
  onStage('os', 0, 5);
  const osInfo = await si.osInfo();
  signal.throwIfAborted();
  onStage('cpu', 1, 5);
  const cpu = await si.cpu();
  const flags = (await si.cpuFlags()).split(/\s+/).filter(Boolean);
  signal.throwIfAborted();
  onStage('memory', 2, 5);
  const mem = await si.mem();
  signal.throwIfAborted();
  onStage('gpu', 3, 5);
  const nvidia = await queryNvidiaSmi(signal);
  if (nvidia.note) notes.push(nvidia.note);
  let gpus: GpuInfo[] = nvidia.gpus;
  if (gpus.length === 0) {
    const graphics = await si.graphics();
    gpus = graphics.controllers
      .filter((c) => !/virtio|vmware|cirrus|qxl|bochs|llvmpipe/i.test(`${c.vendor} ${c.model}`))
      .map((c, index) => ({
        index,
        vendor: c.vendor || 'unknown',
        model: c.model || 'unknown',
        vramMb: c.vram ?? null,
        vramFreeMb: c.memoryFree ?? null,
        driverVersion: c.driverVersion || null,
        cudaVersion: null,
        computeCapability: null,
        source: 'systeminformation',
      }));
  }
  if (gpus.length === 0)
    notes.push('No GPU found: chat and data generation run on the CPU; training is limited to tiny models.');
  signal.throwIfAborted();
  onStage('disk', 4, 5);
  let totalMb: number | null = null;
  let freeMb: number | null = null;
  try {
    const s = await statfs(dataDir);
    totalMb = Math.round((s.blocks * s.bsize) / 2 ** 20);
    freeMb = Math.round((s.bavail * s.bsize) / 2 ** 20);
  } catch (err) {
    notes.push(`Could not read free space of ${dataDir}: ${(err as Error).message}`);
  }
  return {
    scannedAt: Date.now(),
    os: { platform: osInfo.platform, distro: osInfo.distro, release: osInfo.release, arch: osInfo.arch },
    cpu: {
      brand: cpu.brand,
      manufacturer: cpu.manufacturer,
      physicalCores: cpu.physicalCores || os.availableParallelism(),
      logicalCores: cpu.cores || os.availableParallelism(),
      flags,
    },
    memory: { totalMb: Math.round(mem.total / 2 ** 20), availableMb: Math.round(mem.available / 2 ** 20) },
    gpus,
    disk: { path: dataDir, totalMb, freeMb },
    notes,
  };
}
