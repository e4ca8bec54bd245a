import type { TrainingParams } from '../../shared/contract/index.js';
import { trainingParamsSchema } from '../../shared/contract/index.js';
import type { TrainerConfig } from '../../shared/trainer-protocol.js';
import type { PhaseName } from './datasets.js';
import { LORA_TARGETS, PHASE_DEFAULTS, TRAINING_DEFAULTS } from './phase-defaults.js';

export type ParsedTrainingParams = ReturnType<typeof trainingParamsSchema.parse>;

/**
 * The worker's config for one phase. Settings the user left to the LAB defaults are marked
 * `adaptable`: the worker fits them to the data it actually loaded (warm-up at most ~10% of the
 * steps, an effective batch that gives every epoch several optimizer steps) and reports what it
 * changed and why. Values the user gave are used as given.
 */
export function buildTrainerConfig(
  params: ParsedTrainingParams | TrainingParams,
  phase: PhaseName,
  where: {
    baseModel: string;
    train: string;
    eval: string | null;
    phaseDir: string;
    resumeFrom: string | null;
    initFrom: string | null;
  },
): TrainerConfig {
  const defaults = PHASE_DEFAULTS[phase];
  const adaptable: TrainerConfig['adaptable'] = [];
  if (params.warmupSteps === undefined) adaptable.push('warmup_steps');
  if (params.effectiveBatchSize === undefined) adaptable.push('effective_batch_size');
  return {
    version: 1,
    base_model: where.baseModel,
    data_path: where.train,
    eval_path: where.eval,
    output_dir: where.phaseDir,
    method: params.method ?? 'lora',
    epochs: params.epochs ?? defaults.epochs,
    learning_rate: params.learningRate ?? defaults.learningRate,
    warmup_steps: params.warmupSteps ?? TRAINING_DEFAULTS.warmupSteps,
    effective_batch_size: params.effectiveBatchSize ?? defaults.effectiveBatchSize,
    max_batch_len: params.maxBatchLen ?? TRAINING_DEFAULTS.maxBatchLen,
    max_seq_len: params.maxSeqLen ?? TRAINING_DEFAULTS.maxSeqLen,
    min_seq_len: params.minSeqLen ?? TRAINING_DEFAULTS.minSeqLen,
    seed: TRAINING_DEFAULTS.seed,
    lora: {
      rank: params.loraRank ?? TRAINING_DEFAULTS.lora.rank,
      alpha: TRAINING_DEFAULTS.lora.alpha,
      dropout: TRAINING_DEFAULTS.lora.dropout,
      target_modules: [...LORA_TARGETS[params.loraTargets ?? 'attention']],
    },
    precision: params.precision ?? 'auto',
    gradient_checkpointing: params.gradientCheckpointing ?? false,
    adaptable,
    resume_from: where.resumeFrom,
    init_from: where.resumeFrom ? null : where.initFrom,
    device: params.device ?? 'auto',
    max_steps: null,
    system_prompt: null,
  };
}
