import { describe, expect, it } from 'vitest';
import {
  gpuInfoSchema,
  hardwareInfoSchema,
  type GpuInfo,
  type HardwareInfo,
} from '../../../../electron/shared/contract';
import { readiness, summary } from './readiness';

const base: HardwareInfo = hardwareInfoSchema.parse({
  scannedAt: 0,
  os: { platform: 'linux', distro: 'Debian', release: '12', arch: 'x64' },
  cpu: { brand: 'EPYC', manufacturer: 'AMD', physicalCores: 8, logicalCores: 16, flags: ['avx2'] },
  memory: { totalMb: 32 * 1024, availableMb: 20 * 1024 },
  gpus: [],
  disk: { path: '/data', totalMb: 500 * 1024, freeMb: 200 * 1024 },
  notes: [],
});

const gpu = (vramGb: number, index = 0): GpuInfo =>
  gpuInfoSchema.parse({
  index,
  vendor: 'NVIDIA',
  model: 'Test GPU',
  vramMb: vramGb * 1024,
  vramFreeMb: vramGb * 1024,
  driverVersion: '550',
  cudaVersion: '12.4',
  computeCapability: '8.9',
  source: 'nvidia-smi',
  });

const level = (hw: HardwareInfo, id: string): string | undefined => readiness(hw).find((c) => c.id === id)?.level;

describe('readiness', () => {
  it('says honestly that a CPU-only machine cannot really train', () => {
    expect(level(base, 'training')).toBe('unavailable');
    expect(level(base, 'chat')).toBe('limited');
    expect(summary(base)).toMatch(/no GPU/);
  });

  it('is ready for LoRA on 7B with a 24 GB GPU', () => {
    const hw = { ...base, gpus: [gpu(24)] };
    expect(level(hw, 'training')).toBe('ready');
    expect(level(hw, 'chat')).toBe('ready');
    expect(summary(hw)).toMatch(/full LAB workflow/);
  });

  it('mentions torchrun for several GPUs and flags a nearly full disk', () => {
    const hw = { ...base, gpus: [gpu(24), gpu(24, 1)], disk: { ...base.disk, freeMb: 10 * 1024 } };
    expect(readiness(hw).find((c) => c.id === 'training')?.detail).toMatch(/torchrun/);
    expect(level(hw, 'disk')).toBe('unavailable');
  });

  it('ignores integrated GPUs without usable memory', () => {
    const hw = { ...base, gpus: [{ ...gpu(0), vendor: 'Intel', vramMb: 128 }] };
    expect(level(hw, 'training')).toBe('unavailable');
  });
});
