import { z } from 'zod';
import { rpc } from './define.js';
import { jobInfoSchema } from './jobs.js';

/** The benchmarks of an evaluation (LAB-REFERENCE section 8). */
export const benchmarkNameSchema = z.enum(['mmlu_branch', 'mt_bench_branch', 'fact_recall', 'mmlu']);
export type BenchmarkName = z.infer<typeof benchmarkNameSchema>;
export const DEFAULT_BENCHMARKS: BenchmarkName[] = ['mmlu_branch', 'mt_bench_branch', 'fact_recall'];

export const evalParamsSchema = z.object({
  /** The candidate: a checkpoint folder, an HF model folder, a GGUF file or a library id. */
  model: z.string().min(1),
  /** What it is compared with (same forms as `model`). */
  base: z.string().min(1),
  /** The taxonomy folder whose changed leaves are evaluated. */
  taxonomy: z.string().min(1),
  /** The diff base (`ilab taxonomy diff --taxonomy-base`); default as the taxonomy page uses; `empty` = every leaf. */
  taxonomyBase: z.string().min(1).optional(),
  /** The judge: an OpenAI-compatible URL, a GGUF path or a library id. Without one, fact recall is lexical and MT-Bench-branch is skipped. */
  judge: z.string().min(1).optional(),
  /** The model name sent to an endpoint judge. */
  judgeModel: z.string().min(1).optional(),
  /** Writes MMLU-branch distractors (URL, GGUF path or library id); without one, other answers of the taxonomy are used. */
  teacher: z.string().min(1).optional(),
  benchmarks: z.array(benchmarkNameSchema).min(1).default(DEFAULT_BENCHMARKS),
  /** Folder with MMLU in its standard CSV layout (`dev/`, `test/`); needed only for `mmlu`. */
  mmluData: z.string().min(1).optional(),
  /** Where the report goes (default: `<data dir>/runs/<job id>/eval`). */
  outDir: z.string().optional(),
  /** The training run the model belongs to (the Runs page shows the report there). */
  runId: z.string().optional(),
  python: z.string().optional(),
  device: z.enum(['auto', 'cpu', 'cuda']).default('auto'),
  /** The CUDA devices the evaluation may use (CUDA_VISIBLE_DEVICES). */
  gpus: z.array(z.number().int().min(0)).min(1).optional(),
  maxNewTokens: z.number().int().min(1).max(4096).default(128),
});
export type EvalParams = z.input<typeof evalParamsSchema>;

/** A training run's checkpoint evaluation (`training.start` `evaluation`): what phases are scored on. */
export const runEvaluationSettingsSchema = z.object({
  taxonomy: z.string().min(1),
  taxonomyBase: z.string().min(1).optional(),
  /** Without a judge: phase 1 still by MMLU-branch and lexical fact recall, phase 2 by held-out loss. */
  judge: z.string().min(1).optional(),
  judgeModel: z.string().min(1).optional(),
  maxNewTokens: z.number().int().min(1).max(4096).optional(),
});
export type RunEvaluationSettings = z.infer<typeof runEvaluationSettingsSchema>;

/** How one model did on one question. `score` is null when it could not be scored (`error` says why); never 0 for an error. */
export const answerScoreSchema = z.object({
  /** The answer (generated text, or the option the log-likelihood picked). */
  answer: z.string().nullable(),
  /** Accuracy benchmarks: 1 or 0; judged ones: 1-10; lexical fact recall: token F1 (0-1). */
  score: z.number().nullable(),
  correct: z.boolean().nullable(),
  /** The judge's reason, or how the lexical fallback decided. */
  reason: z.string().nullable(),
  error: z.string().nullable(),
});
export type AnswerScore = z.infer<typeof answerScoreSchema>;

export const questionResultSchema = z.object({
  id: z.string(),
  leafId: z.string(),
  question: z.string(),
  reference: z.string(),
  /** Multiple choice: the options, the correct one first is NOT implied; `answerIndex` says which. */
  options: z.array(z.string()).optional(),
  answerIndex: z.number().int().optional(),
  model: answerScoreSchema,
  base: answerScoreSchema,
  /** `win`: the model did better than the base on this question; `error`: either side could not be scored. */
  outcome: z.enum(['win', 'loss', 'tie', 'error']),
});
export type QuestionResult = z.infer<typeof questionResultSchema>;

export const leafChangeSchema = z.enum(['improved', 'regressed', 'unchanged', 'new', 'error']);
export const leafResultSchema = z.object({
  leafId: z.string(),
  path: z.string(),
  questions: z.number().int(),
  model: z.number().nullable(),
  base: z.number().nullable(),
  delta: z.number().nullable(),
  change: leafChangeSchema,
  errors: z.number().int(),
});
export type LeafResult = z.infer<typeof leafResultSchema>;

/** Something that could not be scored, and why (the rest is still scored). */
export const evalIssueSchema = z.object({
  /** `model`, `base`, `judge`, `taxonomy`, or a leaf/question id. */
  what: z.string(),
  reason: z.string(),
});
export type EvalIssue = z.infer<typeof evalIssueSchema>;

export const benchmarkReportSchema = z.object({
  name: benchmarkNameSchema,
  /** scored: everything; partial: some questions or one model could not be scored; skipped/failed: nothing scored. */
  status: z.enum(['scored', 'partial', 'skipped', 'failed']),
  metric: z.enum(['accuracy', 'judge_1_10', 'token_f1_recall']),
  /** `judge`, `log-likelihood`, or `lexical-overlap` (fact recall without a judge). */
  method: z.string(),
  model: z.number().nullable(),
  base: z.number().nullable(),
  per_leaf: z.array(leafResultSchema),
  questions: z.array(questionResultSchema),
  summary: z.object({ improvements: z.number(), regressions: z.number(), noChange: z.number(), new: z.number() }),
  errors: z.array(evalIssueSchema),
});
export type BenchmarkReport = z.infer<typeof benchmarkReportSchema>;

export const modelRefSchema = z.object({
  /** What the user gave. */
  spec: z.string(),
  /** The resolved file or folder. */
  path: z.string(),
  kind: z.enum(['checkpoint', 'hf', 'gguf', 'unknown']),
});

export const evalReportSchema = z.object({
  version: z.literal(1),
  id: z.string(),
  createdAt: z.number(),
  runId: z.string().nullable(),
  model: modelRefSchema,
  base: modelRefSchema,
  judge: z.object({ kind: z.enum(['local', 'endpoint']), source: z.string(), model: z.string() }).nullable(),
  taxonomy: z.object({ dir: z.string(), base: z.string(), leaves: z.array(z.string()) }),
  benchmarks: z.record(z.string(), benchmarkReportSchema),
  /** What could not be scored at all (taxonomy problems, a judge that never answered...). */
  issues: z.array(evalIssueSchema),
  questionsPerMin: z.number().nullable(),
});
export type EvalReport = z.infer<typeof evalReportSchema>;

export const evalResultSchema = z.object({ reportId: z.string(), reportPath: z.string(), report: evalReportSchema });
export type EvalResult = z.infer<typeof evalResultSchema>;

/** Which rule picked a phase's checkpoint, and the table it picked from. */
export const selectionRuleSchema = z.enum([
  'mmlu_branch+fact_recall',
  'mt_bench_branch+retention',
  'held_out_loss',
  'latest',
]);
export const checkpointSelectionSchema = z.object({
  phase: z.enum(['knowledge', 'skills']),
  rule: selectionRuleSchema,
  /** Why this rule (e.g. "no judge configured: held-out loss"). */
  why: z.string(),
  chosen: z.string().nullable(),
  table: z.array(
    z.object({
      checkpoint: z.string(),
      score: z.number().nullable(),
      parts: z.record(z.string(), z.number().nullable()),
      reportId: z.string().nullable(),
    }),
  ),
});
export type CheckpointSelection = z.infer<typeof checkpointSelectionSchema>;

export const evalReportSummarySchema = z.object({
  id: z.string(),
  runId: z.string().nullable(),
  jobId: z.string().nullable(),
  model: z.string(),
  base: z.string(),
  createdAt: z.number(),
  scores: z.record(z.string(), z.object({ model: z.number().nullable(), base: z.number().nullable() })),
});
export type EvalReportSummary = z.infer<typeof evalReportSummarySchema>;

export const evalContract = {
  /** Starts an evaluation job (`eval.run`): the model and its base on the taxonomy's changed leaves. */
  'eval.start': rpc(evalParamsSchema, jobInfoSchema),
  /** The evaluation reports (newest first) of a training run, or all of them, with the run's checkpoint choices. */
  'eval.reports': rpc(
    z.object({ runId: z.string().optional() }),
    z.object({ reports: z.array(evalReportSummarySchema), selections: z.array(checkpointSelectionSchema) }),
  ),
  /** One evaluation report in full (every question, answer and judge reason). */
  'eval.report': rpc(z.object({ id: z.string().min(1) }), evalReportSchema),
} as const;
