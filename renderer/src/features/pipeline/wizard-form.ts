import {
  DEFAULT_BENCHMARKS,
  type BenchmarkName,
  type PipelineParams,
  type PipelineRecord,
  type PipelineStageName,
} from '../../../../electron/shared/contract';

export type TrainMethod = 'lora' | 'qlora' | 'full' | 'osft';
export type SourceMode = 'library' | 'path' | 'url';

/** A model choice: a library id, a path, or an OpenAI-compatible URL with its model name. */
export interface ModelChoice {
  mode: SourceMode;
  value: string;
  model: string;
}

export interface WizardForm {
  taxonomy: string;
  base: string;
  method: TrainMethod;
  epochs: number | '';
  learningRate: string;
  device: 'auto' | 'cpu' | 'cuda';
  gpus: Record<'train' | 'evaluate' | 'export', number[]>;
  student: ModelChoice;
  teacher: ModelChoice;
  judge: ModelChoice;
  apiKeyEnv: string;
  phases: ('knowledge' | 'skills')[];
  effectiveBatchSize: number | '';
  maxBatchLen: number | '';
  minSeqLen: number | '';
  warmupSteps: number | '';
  benchmarks: BenchmarkName[];
  maxNewTokens: number;
  quant: 'f32' | 'f16' | 'bf16' | 'q8_0';
  pipeline: 'simple' | 'full';
  scale: number;
  reviewSamples: boolean;
  name: string;
}

export const emptyChoice = (mode: SourceMode = 'library'): ModelChoice => ({ mode, value: '', model: '' });

export const initialForm = (taxonomy: string): WizardForm => ({
  taxonomy,
  base: '',
  method: 'lora',
  epochs: '',
  learningRate: '',
  device: 'auto',
  gpus: { train: [], evaluate: [], export: [] },
  student: emptyChoice(),
  teacher: emptyChoice(),
  judge: emptyChoice(),
  apiKeyEnv: '',
  phases: ['knowledge', 'skills'],
  effectiveBatchSize: '',
  maxBatchLen: '',
  minSeqLen: '',
  warmupSteps: '',
  benchmarks: [...DEFAULT_BENCHMARKS],
  maxNewTokens: 128,
  quant: 'q8_0',
  pipeline: 'full',
  scale: 30,
  reviewSamples: true,
  name: '',
});

const opt = (s: string): string | undefined => (s.trim() ? s.trim() : undefined);
const num = (n: number | ''): number | undefined => (n === '' ? undefined : n);

/** The form as `pipeline.check` / `pipeline.start` take it (empty fields left to the core's defaults). */
export function toParams(f: WizardForm): PipelineParams {
  const lr = Number(f.learningRate);
  const gpus = Object.fromEntries(Object.entries(f.gpus).filter(([, list]) => list.length > 0));
  const usesUrl = f.teacher.mode === 'url' || f.judge.mode === 'url';
  return {
    taxonomy: f.taxonomy.trim(),
    base: opt(f.base),
    student: f.student.value.trim(),
    teacher: f.teacher.value.trim(),
    teacherModel: f.teacher.mode === 'url' ? opt(f.teacher.model) : undefined,
    judge: opt(f.judge.value),
    judgeModel: f.judge.mode === 'url' ? opt(f.judge.model) : undefined,
    apiKeyEnv: usesUrl ? opt(f.apiKeyEnv) : undefined,
    generate: { pipeline: f.pipeline, scale: f.scale },
    train: {
      method: f.method,
      device: f.device,
      phases: f.phases,
      epochs: num(f.epochs),
      learningRate: f.learningRate.trim() && Number.isFinite(lr) ? lr : undefined,
      effectiveBatchSize: num(f.effectiveBatchSize),
      maxBatchLen: num(f.maxBatchLen),
      minSeqLen: num(f.minSeqLen),
      warmupSteps: num(f.warmupSteps),
    },
    evaluate: { benchmarks: f.benchmarks, maxNewTokens: f.maxNewTokens },
    export: { quant: f.quant, base: true },
    gpus: Object.keys(gpus).length > 0 ? gpus : undefined,
    name: opt(f.name),
    reviewSamples: f.reviewSamples,
  };
}

/** The wizard's steps: four to set a run up, then one per stage, then chat. */
export const STEPS = ['Taxonomy', 'Hardware', 'Models', 'Generate', 'Train', 'Evaluate', 'Export', 'Chat'] as const;
export const STAGE_STEP: Record<PipelineStageName, number> = { generate: 3, train: 4, evaluate: 5, export: 6 };

/** Where a run is: the stage that runs, waits or stopped; chat once every stage is done. */
export function stepOf(record: Pick<PipelineRecord, 'stages'>): number {
  const open = record.stages.find((s) => s.state !== 'done');
  if (!open) return STEPS.length - 1;
  // A run waiting for its samples to be reviewed shows the samples (the generate step).
  const i = record.stages.indexOf(open);
  if (open.state === 'waiting' && i > 0) return STAGE_STEP[record.stages[i - 1]!.name];
  return STAGE_STEP[open.name];
}
