import { z } from 'zod';
import { llamaBackendsSchema, migInstanceSchema, probeInfoSchema, trainerEnvInfoSchema } from './hardware-probes.js';
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
  /** Where the numbers came from (nvidia-smi, rocm-smi, apple, systeminformation). */
  source: z.string(),
  /** GPU busy percentage at scan time (nvidia-smi, rocm-smi), null when unknown. */
  utilizationPct: z.number().nullable().default(null),
  /** MIG slices when MIG mode is on (each is a separate CUDA device). */
  mig: z.array(migInstanceSchema).default([]),
  /** The GPU shares the system memory (Apple Silicon): `vramMb` is the part Metal may use. */
  unifiedMemory: z.boolean().default(false),
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
    /** llama.cpp's CPU kernels are fastest with AVX2 / AVX-512 (x86) or NEON (ARM). */
    avx2: z.boolean().default(false),
    avx512: z.boolean().default(false),
  }),
  memory: z.object({ totalMb: z.number(), availableMb: z.number() }),
  gpus: z.array(gpuInfoSchema),
  disk: z.object({ path: z.string(), totalMb: z.number().nullable(), freeMb: z.number().nullable() }),
  notes: z.array(z.string()),
  /** What node-llama-cpp can use here; null when its detection failed (see `probes`). */
  backends: llamaBackendsSchema.nullable().default(null),
  /** The trainer's Python environment; null before it is set up or when the check did not answer. */
  trainer: trainerEnvInfoSchema.nullable().default(null),
  /** Each detection step with its status and, when it failed, why. */
  probes: z.array(probeInfoSchema).default([]),
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
