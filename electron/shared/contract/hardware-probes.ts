import { z } from 'zod';

/** ok: works as needed; warn: works with limits or could not be checked; fail: missing or broken. */
export const checkStatusSchema = z.enum(['ok', 'warn', 'fail']);
export type CheckStatus = z.infer<typeof checkStatusSchema>;

/**
 * One detection step of a hardware scan (nvidia-smi, rocm-smi, llama backends, disk, ...). A probe
 * that fails or times out never stops the scan; its `reason` says what could not be detected and why.
 */
export const probeInfoSchema = z.object({
  /** `nvidia-smi`, `rocm-smi`, `apple`, `systeminformation.gpu`, `cpu`, `memory`, `disk`, `llama`, `trainer`. */
  id: z.string(),
  status: checkStatusSchema,
  reason: z.string(),
  /** How long the probe took, in milliseconds. */
  ms: z.number(),
});
export type ProbeInfo = z.infer<typeof probeInfoSchema>;

/** A MIG (Multi-Instance GPU) slice of an NVIDIA A100/H100: what CUDA programs see as a device. */
export const migInstanceSchema = z.object({
  /** Profile name from `nvidia-smi -L`, e.g. `3g.40gb`. */
  profile: z.string(),
  /** Memory of the slice (from the profile name), or null when the name does not say. */
  memoryMb: z.number().nullable(),
  uuid: z.string().nullable(),
});
export type MigInstance = z.infer<typeof migInstanceSchema>;

export const llamaGpuTypeSchema = z.enum(['cuda', 'vulkan', 'metal', 'cpu']);
export type LlamaGpuType = z.infer<typeof llamaGpuTypeSchema>;

/** What node-llama-cpp (chat, local teacher and judge) can use here, from its own detection. */
export const llamaBackendsSchema = z.object({
  /** GPU backends whose prebuilt binaries can run on this machine (`getLlamaGpuTypes('supported')`), plus cpu. */
  supported: z.array(llamaGpuTypeSchema),
  /** The backend `getLlama({ gpu: 'auto', build: 'never' })` loaded, or null when none could be loaded. */
  selected: llamaGpuTypeSchema.nullable(),
  /** GPU device names as llama.cpp sees them. */
  devices: z.array(z.string()),
  /** VRAM llama.cpp reports for the selected backend (bytes), null on the CPU. */
  vramTotalBytes: z.number().nullable(),
  vramFreeBytes: z.number().nullable(),
  /** True when GPU and CPU share memory (Apple Silicon). */
  unifiedMemory: z.boolean(),
});
export type LlamaBackends = z.infer<typeof llamaBackendsSchema>;

/** The trainer's Python environment as the scan found it (from `python.status`, never blocking the scan). */
export const trainerEnvInfoSchema = z.object({
  python: z.string().nullable(),
  torch: z.string().nullable(),
  /** torch was built with CUDA and sees a GPU. */
  cuda: z.boolean(),
  ready: z.boolean(),
});
export type TrainerEnvInfo = z.infer<typeof trainerEnvInfoSchema>;
