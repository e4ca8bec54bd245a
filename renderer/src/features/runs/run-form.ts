import type { ModelInfo, TrainingParams } from '../../../../electron/shared/contract';

/** The "New training run" form as the user typed it: numbers stay strings until submit. */
export interface RunFormValues {
  data: string;
  baseModel: string;
  method: 'lora' | 'qlora' | 'full' | 'osft';
  phases: ('knowledge' | 'skills')[];
  epochs: string;
  learningRate: string;
  effectiveBatchSize: string;
  maxBatchLen: string;
  warmupSteps: string;
  device: 'auto' | 'cpu' | 'cuda';
  precision: 'auto' | 'bf16' | 'fp16' | 'fp32';
  gradientCheckpointing: boolean;
  loraTargets: 'attention' | 'all-linear';
}

export type RunFormErrors = Partial<Record<keyof RunFormValues, string>>;

export const emptyRunForm: RunFormValues = {
  data: '',
  baseModel: '',
  method: 'lora',
  phases: ['knowledge', 'skills'],
  epochs: '',
  learningRate: '',
  effectiveBatchSize: '',
  maxBatchLen: '',
  warmupSteps: '',
  device: 'auto',
  precision: 'auto',
  gradientCheckpointing: false,
  loraTargets: 'attention',
};

/** LAB multi-phase defaults (the core applies them when a field is left empty). */
export const labDefaults = {
  knowledge: { epochs: 7, learningRate: '2e-5', effectiveBatchSize: 128 },
  skills: { epochs: 10, learningRate: '6e-6', effectiveBatchSize: 3840 },
  maxBatchLen: 5000,
  warmupSteps: 25,
} as const;

const num = (s: string): number => Number(s.trim());

function intError(s: string, min: number, max = Number.MAX_SAFE_INTEGER): string | undefined {
  if (!s.trim()) return undefined;
  const n = num(s);
  if (!Number.isInteger(n)) return 'Enter a whole number';
  if (n < min) return `At least ${min}`;
  if (n > max) return `At most ${max}`;
  return undefined;
}

const isAbsolute = (p: string): boolean => p.startsWith('/') || /^[a-zA-Z]:[\\/]/.test(p) || p.startsWith('\\\\');

/** Field messages for what the core would refuse; an empty object when the form can be sent. */
export function validateRunForm(v: RunFormValues, opts: { cuda: boolean }): RunFormErrors {
  const e: RunFormErrors = {};
  if (!v.data.trim()) e.data = 'The folder with the generated training data is required';
  else if (!isAbsolute(v.data.trim())) e.data = 'Give the full path of the folder';
  // A full path, or the id or name of a safetensors model in the library.
  if (!v.baseModel.trim()) e.baseModel = 'The base model is required';
  if (v.phases.length === 0) e.phases = 'Pick at least one phase';
  if (v.method === 'qlora' && !opts.cuda) e.method = 'QLoRA needs an NVIDIA GPU with CUDA';
  if (v.device === 'cuda' && !opts.cuda) e.device = 'The training environment has no CUDA';
  if ((v.precision === 'bf16' || v.precision === 'fp16') && (!opts.cuda || v.device === 'cpu'))
    e.precision = 'bf16 and fp16 need a CUDA GPU; on CPU training runs in fp32';
  const epochs = intError(v.epochs, 1, 1000);
  if (epochs) e.epochs = epochs;
  if (v.learningRate.trim()) {
    const lr = num(v.learningRate);
    if (!Number.isFinite(lr)) e.learningRate = 'Enter a number such as 2e-5 or 0.001';
    else if (lr <= 0 || lr > 1) e.learningRate = 'Between 0 and 1';
  }
  const ebs = intError(v.effectiveBatchSize, 1);
  if (ebs) e.effectiveBatchSize = ebs;
  const mbl = intError(v.maxBatchLen, 16);
  if (mbl) e.maxBatchLen = mbl;
  const warm = intError(v.warmupSteps, 0);
  if (warm) e.warmupSteps = warm;
  return e;
}

/** The `training.start` params; empty fields are left out so the LAB defaults apply. */
export function toTrainingParams(v: RunFormValues): TrainingParams {
  const opt = (s: string): number | undefined => (s.trim() ? num(s) : undefined);
  const p: TrainingParams = {
    data: v.data.trim(),
    baseModel: v.baseModel.trim(),
    method: v.method,
    // LAB order: knowledge first, skills from its best checkpoint.
    phases: (['knowledge', 'skills'] as const).filter((ph) => v.phases.includes(ph)),
    device: v.device,
    precision: v.precision,
    gradientCheckpointing: v.gradientCheckpointing,
  };
  if (v.method !== 'full') p.loraTargets = v.loraTargets;
  const fields = {
    epochs: opt(v.epochs),
    learningRate: opt(v.learningRate),
    effectiveBatchSize: opt(v.effectiveBatchSize),
    maxBatchLen: opt(v.maxBatchLen),
    warmupSteps: opt(v.warmupSteps),
  };
  for (const [k, val] of Object.entries(fields)) if (val !== undefined) (p as Record<string, unknown>)[k] = val;
  return p;
}

/** Maps the router's INVALID_REQUEST details (`[{path, message}]`) onto form fields. */
export function fieldErrorsFrom(details: unknown): RunFormErrors {
  const e: RunFormErrors = {};
  if (!Array.isArray(details)) return e;
  for (const d of details as { path?: unknown[]; message?: string }[]) {
    const field = d.path?.[0];
    if (typeof field === 'string' && field in emptyRunForm && d.message) e[field as keyof RunFormValues] = d.message;
  }
  return e;
}

/**
 * The method to offer for a base model: OSFT when it is a model LabForge already tuned (a library
 * model with a training run in its lineage) and the run adds knowledge, so what it learned is kept.
 */
export function suggestedMethod(
  baseModel: string,
  phases: RunFormValues['phases'],
  models: readonly Pick<ModelInfo, 'id' | 'name' | 'path' | 'format' | 'lineage'>[],
): RunFormValues['method'] | null {
  const b = baseModel.trim();
  if (!b || !phases.includes('knowledge')) return null;
  const m = models.find((x) => x.format === 'safetensors' && (x.id === b || x.name === b || x.path === b));
  return m?.lineage.run ? 'osft' : null;
}
