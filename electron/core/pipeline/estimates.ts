import type { PipelineCheck, PipelineParsedParams } from '../../shared/contract/index.js';

/** Figures earlier runs measured on this machine (the newest first); they beat any rule of thumb. */
export interface RunHistory {
  samplesPerMin: number | null;
  trainTokensPerSec: number | null;
  /** Seconds an evaluation and an export took, per GB of student. */
  evalSecondsPerGb: number | null;
  exportSecondsPerGb: number | null;
}

export interface EstimateInputs {
  params: PipelineParsedParams;
  leaves: number;
  studentBytes: number | null;
  gpus: { count: number; memoryMb: number | null };
  history: RunHistory[];
}

// Rules of thumb, used only until this machine has measured the real figures:
const SEEDS_PER_LEAF = 5; // the schema's minimum seed examples per leaf
const FULL_CALLS_PER_SEED = 12; // the full flows: generate, then 2-3 judge/filter calls per sample
const ENDPOINT_SAMPLES_PER_MIN = 60; // a vLLM-served 7-8x7B teacher at concurrency 8
const LOCAL_SAMPLES_PER_MIN = 8; // a llama.cpp teacher on one GPU, 8 sequences
const TOKENS_PER_SAMPLE = 350; // InstructLab knowledge samples with their chunk, on average
// 6·N FLOPs per trained token (Kaplan et al. 2020); LoRA skips the weight gradients (~2/3 of that).
const GPU_EFFECTIVE_FLOPS = 100e12 * 0.35; // an A100/H100-class GPU at ~35% MFU
const CPU_EFFECTIVE_FLOPS = 0.2e12;
const DISK_BYTES_PER_SEC = 300e6; // merge + convert read and write the weights about three times
const PHASE_OVERHEAD_S = 15; // start the worker, load the model, split the held-out set, save checkpoints

const first = <K extends keyof RunHistory>(h: RunHistory[], k: K): number | null => {
  for (const r of h) if (r[k] !== null && r[k]! > 0) return r[k];
  return null;
};

/** Roughly how long each stage takes here, with what the figure rests on. */
export function estimateStages(i: EstimateInputs): PipelineCheck['estimates'] {
  const p = i.params;
  const local = !/^https?:\/\//i.test(p.teacher);
  const samples =
    i.leaves * SEEDS_PER_LEAF * (p.generate.pipeline === 'simple' ? p.generate.scale : FULL_CALLS_PER_SEED / 3);
  const measuredRate = first(i.history, 'samplesPerMin');
  const rate = measuredRate ?? (local ? LOCAL_SAMPLES_PER_MIN : ENDPOINT_SAMPLES_PER_MIN);
  const gen = {
    stage: 'generate' as const,
    seconds: i.leaves > 0 ? Math.round((samples / rate) * 60) : null,
    basis: measuredRate
      ? `${Math.round(measuredRate)} samples/min measured by an earlier run here`
      : `~${rate} samples/min, typical of ${local ? 'a local llama.cpp teacher' : 'an endpoint at concurrency 8'}`,
    what: `~${Math.round(samples)} samples from ${i.leaves} leaves (${p.generate.pipeline} pipeline)`,
  };

  const params = i.studentBytes ? i.studentBytes / 2 : null; // bf16/fp16 weights
  const epochs = p.train.epochs ?? 7;
  const tokens = samples * TOKENS_PER_SAMPLE * epochs * p.train.phases.length;
  const measuredTps = first(i.history, 'trainTokensPerSec');
  const flops = i.gpus.count > 0 && p.train.device !== 'cpu' ? GPU_EFFECTIVE_FLOPS * i.gpus.count : CPU_EFFECTIVE_FLOPS;
  const perToken = params ? (p.train.method === 'full' ? 6 : 4) * params : null;
  const tps = measuredTps ?? (perToken ? flops / perToken : null);
  const train = {
    stage: 'train' as const,
    seconds: tps && i.leaves > 0 ? Math.round(tokens / tps + PHASE_OVERHEAD_S * p.train.phases.length) : null,
    basis: measuredTps
      ? `${Math.round(measuredTps)} tokens/s measured by an earlier run here`
      : perToken
        ? `6·N FLOPs per token at ${i.gpus.count > 0 ? `~35% of ${i.gpus.count} GPU(s)` : 'CPU speed'}`
        : 'unknown until the student is chosen',
    what: `${p.train.phases.join(' then ')}, ${epochs} epochs, ${p.train.method}, ~${Math.round(tokens / 1000)}k tokens`,
  };

  const gb = (i.studentBytes ?? 0) / 1e9;
  const evalPerGb = first(i.history, 'evalSecondsPerGb');
  const evaluate = {
    stage: 'evaluate' as const,
    seconds: i.studentBytes ? Math.round(evalPerGb ? evalPerGb * gb : 30 + i.leaves * 15 * (gb * 2 + 1)) : null,
    basis: evalPerGb ? 'measured by an earlier run here' : 'base and tuned answer every seed question once',
    what: `${p.evaluate.benchmarks.join(', ')}: base vs tuned`,
  };
  const exportPerGb = first(i.history, 'exportSecondsPerGb');
  const exp = {
    stage: 'export' as const,
    seconds: i.studentBytes
      ? Math.round(
          (exportPerGb ? exportPerGb * gb : 20 + (3 * i.studentBytes) / DISK_BYTES_PER_SEC) * (p.export.base ? 2 : 1),
        )
      : null,
    basis: exportPerGb ? 'measured by an earlier run here' : 'merge and convert read and write the weights ~3 times',
    what: `GGUF ${p.export.quant}${p.export.base ? ', and the base for side-by-side chat' : ''}`,
  };
  return [gen, train, evaluate, exp];
}
