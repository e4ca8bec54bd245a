import { z } from 'zod';
import { rpc } from './define.js';
import { chatPresetSchema, trainingPresetSchema } from './fit.js';
import { checkStatusSchema } from './hardware-probes.js';
import { hardwareInfoSchema } from './system.js';

/** One line of the readiness checklist (green/amber/red with its reason). */
export const readinessCheckSchema = z.object({
  /** `gpu`, `driver`, `llama`, `chat`, `sdg`, `training`, `trainer-env`, `memory`, `disk`, `cpu`. */
  id: z.string(),
  title: z.string(),
  status: checkStatusSchema,
  reason: z.string(),
});
export type ReadinessCheck = z.infer<typeof readinessCheckSchema>;

/**
 * A hardware profile: the RHEL AI reference machines (from its hardware table) and smaller ones.
 * `hardware.report` names the profile this machine matches; `hardware.fit` can estimate for any.
 */
export const hardwareProfileSchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  /** True for the RHEL AI reference configurations. */
  reference: z.boolean(),
  gpu: z.object({ model: z.string(), vramMb: z.number(), count: z.number().int() }).nullable(),
  ramMb: z.number(),
  /** What this profile runs with the LAB defaults (a 7–8B student). */
  training: trainingPresetSchema.nullable(),
  chat: chatPresetSchema,
});
export type HardwareProfile = z.infer<typeof hardwareProfileSchema>;

/** The readiness report: what this machine has, what it can do, and which profile it matches. */
export const hardwareReportSchema = z.object({
  info: hardwareInfoSchema,
  /** The matching profile and why it was chosen. */
  profile: z.object({ id: z.string(), name: z.string(), reason: z.string() }),
  checks: z.array(readinessCheckSchema),
  /** What the LAB defaults would use here (a 7–8B student); null when training is not possible. */
  training: trainingPresetSchema.nullable(),
});
export type HardwareReport = z.infer<typeof hardwareReportSchema>;

/** Live numbers of one GPU (for the Dashboard while jobs run). */
export const gpuStatSchema = z.object({
  index: z.number().int(),
  model: z.string(),
  utilizationPct: z.number().nullable(),
  memoryUsedMb: z.number().nullable(),
  memoryTotalMb: z.number().nullable(),
});
export type GpuStat = z.infer<typeof gpuStatSchema>;

export const gpuStatsSchema = z.object({
  at: z.number(),
  gpus: z.array(gpuStatSchema),
  /** Why no numbers came back (no NVIDIA/AMD tool, a timeout), null when they did. */
  reason: z.string().nullable(),
});
export type GpuStats = z.infer<typeof gpuStatsSchema>;

export const hardwareContract = {
  /**
   * The readiness report from the last scan (GPUs, CPU, memory, disk, llama backends, trainer
   * environment, the matching profile, checks each ok|warn|fail with a reason); null before the
   * first scan. `system.scan` starts a new scan.
   */
  'hardware.report': rpc(z.object({}), hardwareReportSchema.nullable()),
  /** The built-in profiles: RHEL AI's reference machines and smaller ones (CPU-only, 24 GB, 80 GB, several GPUs). */
  'hardware.profiles': rpc(z.object({}), z.array(hardwareProfileSchema)),
  /**
   * GPU utilisation and memory now (a quick nvidia-smi / rocm-smi query with a short timeout). The
   * Dashboard polls it only while it is visible and a job runs.
   */
  'hardware.gpuStats': rpc(z.object({}), gpuStatsSchema),
} as const;
