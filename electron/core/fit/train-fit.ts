import type { DeviceFit, FitResult, Sharding, TrainingPreset, TrainMethod } from '../../shared/contract/index.js';
import { gib, type Machine } from './machine.js';
import type { FullShape } from './model-shape.js';
import { sum, trainingMemory, type TrainSetup } from './train-memory.js';

export interface TrainRequest {
  method?: TrainMethod;
  context?: number;
  batchSize?: number;
  gpus?: number;
  gradientCheckpointing?: boolean;
  sharding?: Sharding;
  offloadOptimizer?: boolean;
}

/** Largest model the CPU preset offers to train. */
export const CPU_TRAIN_LIMIT = 1.5e9;
/** RAM the OS, the app and the data loader keep for themselves while training. */
const RAM_RESERVE = 4 * 2 ** 30;
/** RHEL AI's tokens per GPU per step: 60000 on A100/H100, 30000 on L4/L40S (InstructLab profiles). */
const RHEL_MAX_BATCH_LEN = (vram: number): number => (vram >= 70 * 2 ** 30 ? 60000 : 30000);

export interface TrainEvaluation {
  setup: TrainSetup;
  devices: DeviceFit[];
  fits: boolean;
  /** The tightest device's breakdown. */
  breakdown: Record<string, number>;
  tightest: DeviceFit;
  /** Tokens per micro-batch that would still fit on the tightest GPU (0 when even one does not). */
  maxTokens: number;
}

export function evaluateTraining(shape: FullShape, m: Machine, setup: TrainSetup): TrainEvaluation {
  const mem = trainingMemory(shape, setup);
  const onCpu = setup.gpus === 0;
  const gpus = m.trainGpus.slice(0, setup.gpus);
  const devices: DeviceFit[] = [];
  const perDeviceBytes = sum(mem.perDevice);
  const ramNeed = (onCpu ? perDeviceBytes : 0) + sum(mem.ram) + RAM_RESERVE;
  for (const g of gpus)
    devices.push({
      device: g.name,
      kind: 'gpu',
      requiredBytes: perDeviceBytes,
      availableBytes: g.availableBytes,
      fits: perDeviceBytes <= g.availableBytes,
    });
  const ram: DeviceFit = {
    device: 'RAM',
    kind: 'ram',
    requiredBytes: ramNeed,
    availableBytes: m.ramBytes,
    fits: ramNeed <= m.ramBytes,
  };
  devices.push(ram);
  const ratio = (d: DeviceFit): number => d.requiredBytes / Math.max(1, d.availableBytes);
  const tightest = devices.reduce((a, b) => (ratio(b) > ratio(a) ? b : a));
  // Tokens are linear in memory (no s² term with SDPA), so the headroom divides by bytes per token.
  const main = onCpu ? ram : (devices.filter((d) => d.kind === 'gpu').sort((a, b) => ratio(b) - ratio(a))[0] ?? ram);
  const tokens = setup.seqLen * setup.batchSize;
  const fixed = main.requiredBytes - tokens * mem.bytesPerToken;
  const maxTokens = Math.max(0, Math.floor((main.availableBytes - fixed) / mem.bytesPerToken));
  const breakdown = tightest.kind === 'ram' && !onCpu ? { ...mem.ram, reserve: RAM_RESERVE } : { ...mem.perDevice };
  if (onCpu) breakdown.reserve = RAM_RESERVE;
  return { setup, devices, fits: devices.every((d) => d.fits), breakdown, tightest, maxTokens };
}

/** LoRA ranks: InstructLab's default 4; its single consumer GPU preset uses rank 2 with NF4. */
const rankFor = (method: TrainMethod): number => (method === 'qlora' ? 2 : 4);

/**
 * The training preset for this hardware: the first of full (no checkpointing), full with gradient
 * checkpointing, LoRA, LoRA with checkpointing, QLoRA that leaves room for at least `minTokens`
 * tokens per GPU per step. Full fine-tuning is the LAB default on the reference machines. Presets
 * only propose what LabForge's trainer runs (FSDP or DDP, the optimizer on the GPU): optimizer CPU
 * offload and DeepSpeed ZeRO-2, RHEL AI's choice on smaller setups, stay a what-if of the estimate.
 */
export function trainingPreset(shape: FullShape, m: Machine, req: TrainRequest = {}): TrainingPreset | null {
  const G = Math.min(req.gpus ?? m.trainGpus.length, m.trainGpus.length);
  // On the CPU the trainer is for trying the workflow: beyond ~1.5B parameters a run takes days.
  if (G === 0 && shape.parameters > CPU_TRAIN_LIMIT) return null;
  const seq = Math.min(req.context ?? 4096, shape.maxContext);
  const base = { seqLen: seq, batchSize: req.batchSize ?? 1, gpus: G };
  const multi: Sharding = G > 1 ? 'fsdp' : 'none';
  const candidates: Array<Omit<TrainSetup, 'seqLen' | 'batchSize' | 'gpus'> & { minTokens: number }> =
    G === 0
      ? [
          {
            method: 'full',
            gradientCheckpointing: false,
            sharding: 'none',
            offloadOptimizer: false,
            loraRank: 4,
            minTokens: seq,
          },
          {
            method: 'lora',
            gradientCheckpointing: true,
            sharding: 'none',
            offloadOptimizer: false,
            loraRank: 4,
            minTokens: seq,
          },
        ]
      : [
          {
            method: 'full',
            gradientCheckpointing: false,
            sharding: multi,
            offloadOptimizer: false,
            loraRank: 4,
            minTokens: 8192,
          },
          {
            method: 'full',
            gradientCheckpointing: true,
            sharding: multi,
            offloadOptimizer: false,
            loraRank: 4,
            minTokens: 8192,
          },
          {
            method: 'lora',
            gradientCheckpointing: false,
            sharding: G > 1 ? 'ddp' : 'none',
            offloadOptimizer: false,
            loraRank: 4,
            minTokens: 8192,
          },
          {
            method: 'lora',
            gradientCheckpointing: true,
            sharding: G > 1 ? 'ddp' : 'none',
            offloadOptimizer: false,
            loraRank: 4,
            minTokens: 8192,
          },
          {
            method: 'qlora',
            gradientCheckpointing: true,
            sharding: G > 1 ? 'ddp' : 'none',
            offloadOptimizer: false,
            loraRank: 2,
            minTokens: seq,
          },
        ];
  for (const c of candidates) {
    if (req.method && c.method !== req.method) continue;
    if (req.gradientCheckpointing !== undefined && c.gradientCheckpointing !== req.gradientCheckpointing) continue;
    if (req.offloadOptimizer !== undefined && c.offloadOptimizer !== req.offloadOptimizer) continue;
    const setup: TrainSetup = { ...c, ...base, sharding: req.sharding ?? c.sharding, loraRank: rankFor(c.method) };
    const e = evaluateTraining(shape, m, setup);
    const ramOk = e.devices.filter((d) => d.kind === 'ram').every((d) => d.fits);
    if (!ramOk || e.maxTokens < Math.max(seq, c.minTokens)) continue;
    const vram = m.trainGpus[0]?.availableBytes ?? 0;
    const maxBatchLen =
      G === 0
        ? Math.min(e.maxTokens, 4 * seq)
        : Math.min(RHEL_MAX_BATCH_LEN(vram), Math.floor(e.maxTokens / 1000) * 1000);
    const bf16 = G === 0 ? false : m.trainGpus.slice(0, G).every((g) => (g.computeCapability ?? 8) >= 8);
    const what = `${c.method === 'full' ? 'Full fine-tuning' : c.method === 'lora' ? 'LoRA' : 'QLoRA (4-bit)'}`;
    const where = G === 0 ? 'on the CPU' : `on ${G} GPU${G > 1 ? 's' : ''} (${gib(vram)} each)`;
    const extras = [
      setup.gradientCheckpointing && 'gradient checkpointing',
      setup.offloadOptimizer && 'the optimizer offloaded to RAM',
      G > 1 && setup.sharding,
    ].filter(Boolean);
    return {
      method: c.method,
      precision: G === 0 ? 'fp32' : bf16 ? 'bf16' : 'fp16',
      quantization: c.method === 'qlora' ? 'nf4' : 'none',
      loraRank: c.method === 'full' ? null : setup.loraRank,
      effectiveBatchSize: G === 0 ? 16 : c.method === 'full' ? 128 : 96,
      maxBatchLen: Math.max(seq, maxBatchLen),
      gradientCheckpointing: setup.gradientCheckpointing,
      gpus: G,
      sharding: setup.sharding,
      offloadOptimizer: setup.offloadOptimizer,
      reason: `${what} of ${shape.name} fits ${where}${extras.length ? ` with ${extras.join(', ')}` : ''}, leaving room for ${Math.floor(e.maxTokens / 1000)}k tokens per step.`,
    };
  }
  return null;
}

/** The answer to "can I train this here?" for one set of settings (the preset fills what the caller left open). */
export function fitTraining(shape: FullShape, m: Machine, req: TrainRequest, unknowns: string[]): FitResult {
  const preset = trainingPreset(shape, m, req);
  const free = trainingPreset(shape, m, { gpus: req.gpus, context: req.context, batchSize: req.batchSize });
  const G = Math.min(req.gpus ?? preset?.gpus ?? m.trainGpus.length, m.trainGpus.length);
  if (req.gpus !== undefined && req.gpus > m.trainGpus.length)
    unknowns.push(`asked for ${req.gpus} GPUs, this hardware has ${m.trainGpus.length}`);
  if (req.offloadOptimizer || req.sharding === 'zero2')
    unknowns.push(
      `LabForge's trainer has no ${req.offloadOptimizer ? 'optimizer CPU offload' : 'DeepSpeed ZeRO-2'}: this is the estimate for a trainer that has (ilab with DeepSpeed)`,
    );
  const method = req.method ?? preset?.method ?? (G === 0 ? 'full' : 'qlora');
  const seqLen = Math.min(req.context ?? 4096, shape.maxContext);
  const setup: TrainSetup = {
    method,
    seqLen,
    batchSize: req.batchSize ?? 1,
    gradientCheckpointing: req.gradientCheckpointing ?? preset?.gradientCheckpointing ?? method !== 'full',
    gpus: G,
    sharding:
      req.sharding ??
      (preset && preset.method === method ? preset.sharding : G > 1 ? (method === 'full' ? 'fsdp' : 'ddp') : 'none'),
    offloadOptimizer: req.offloadOptimizer ?? (preset?.method === method ? preset.offloadOptimizer : false),
    loraRank: rankFor(method),
  };
  const e = evaluateTraining(shape, m, setup);
  const label = method === 'full' ? 'full fine-tuning' : method === 'lora' ? 'LoRA' : 'QLoRA';
  const t = e.tightest;
  const reason = e.fits
    ? `${label} of ${shape.name} at ${seqLen} tokens × ${setup.batchSize} needs ${gib(t.requiredBytes)} of ${gib(t.availableBytes)} on ${t.device}${e.maxTokens > 0 ? `; up to ${e.maxTokens} tokens per step fit` : ''}.`
    : `${label} of ${shape.name} needs ${gib(t.requiredBytes)} on ${t.device} but only ${gib(t.availableBytes)} is there${free ? `; ${free.method} with the preset's settings fits` : '; no method fits this hardware'}.`;
  return {
    fits: e.fits,
    task: 'train',
    method,
    model: { name: shape.name, parameters: shape.parameters, source: 'shape' },
    requiredBytes: t.requiredBytes,
    availableBytes: t.availableBytes,
    device: t.device,
    gpus: G,
    devices: e.devices,
    breakdown: Object.fromEntries(Object.entries(e.breakdown).map(([k, v]) => [k, Math.round(v)])),
    largest: {
      batchSize: e.maxTokens >= seqLen ? Math.floor(e.maxTokens / seqLen) : null,
      context: e.maxTokens > 0 ? Math.min(e.maxTokens, shape.maxContext) : null,
    },
    preset: e.fits ? (preset ?? free) : (free ?? preset),
    reason,
    unknowns,
    hardware: m.source,
  };
}
