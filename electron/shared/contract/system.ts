import { z } from 'zod';
import { jobInfoSchema } from './jobs.js';
import { event, rpc } from './define.js';

export const gpuInfoSchema = z.object({
  index: z.number().int(),
  vendor: z.string(),
  model: z.string(),
  vramMb: z.number().nullable(),
  vramFreeMb: z.number().nullable(),
  driverVersion: z.string().nullable(),
  cudaVersion: z.string().nullable(),
  computeCapability: z.string().nullable(),
  /** Where the numbers came from (nvidia-smi, rocm-smi, systeminformation). */
  source: z.string(),
});
export type GpuInfo = z.infer<typeof gpuInfoSchema>;

export const hardwareInfoSchema = z.object({
  scannedAt: z.number(),
  os: z.object({ platform: z.string(), distro: z.string(), release: z.string(), arch: z.string() }),
  cpu: z.object({
    brand: z.string(),
    manufacturer: z.string(),
    physicalCores: z.number().int(),
    logicalCores: z.number().int(),
    flags: z.array(z.string()),
  }),
  memory: z.object({ totalMb: z.number(), availableMb: z.number() }),
  gpus: z.array(gpuInfoSchema),
  disk: z.object({ path: z.string(), totalMb: z.number().nullable(), freeMb: z.number().nullable() }),
  notes: z.array(z.string()),
});
export type HardwareInfo = z.infer<typeof hardwareInfoSchema>;

export const diskBenchResultSchema = z.object({
  path: z.string(),
  sizeMb: z.number(),
  writeMbPerSec: z.number(),
  readMbPerSec: z.number(),
});
export type DiskBenchResult = z.infer<typeof diskBenchResultSchema>;

export const diskBenchParamsSchema = z.object({ sizeMb: z.number().int().min(1).max(65536).default(512) });

export const systemContract = {
  /** Starts a hardware scan job (CPU, memory, GPUs with VRAM/driver/CUDA, disk); its result is a HardwareInfo. */
  'system.scan': rpc(z.object({}), jobInfoSchema),
  /** The last completed hardware scan, or null when none has run yet. */
  'system.hardware': rpc(z.object({}), hardwareInfoSchema.nullable()),
  /**
   * Starts a job that measures sequential write and read speed of the data dir's disk with a
   * temporary file (what downloads and checkpoints will see). The file is removed afterwards.
   */
  'system.benchmarkDisk': rpc(diskBenchParamsSchema, jobInfoSchema),
  /** A new hardware scan finished. */
  'system.hardwareChanged': event(hardwareInfoSchema),
} as const;
