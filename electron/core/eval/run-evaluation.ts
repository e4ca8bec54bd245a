import path from 'node:path';
import { promises as fs } from 'node:fs';
import type {
  BenchmarkName,
  CheckpointInfo,
  CheckpointSelection,
  RunEvaluationSettings,
} from '../../shared/contract/index.js';
import { AppError, isCancellation } from '../../shared/errors.js';
import { writeFileAtomic } from '../util/fs.js';
import { Journal } from '../util/journal.js';
import { scoresFromReport, selectKnowledge, selectSkills } from './checkpoint-selection.js';
import { openJudgeFor, pythonSource, saveReport, type EvalDeps } from './eval-job.js';
import { loadEvalLeaves, type EvalLeaves } from './eval-leaves.js';
import { describeModel, evaluate } from './evaluator.js';
import type { Judge } from './judge.js';

/** How a training run evaluates its checkpoints: the `evaluation` field of `training.start`, with the run's device and Python. */
export type RunEvaluationOptions = RunEvaluationSettings & { device?: 'auto' | 'cpu' | 'cuda'; python?: string };

const PHASE_BENCHMARKS: Record<'knowledge' | 'skills', BenchmarkName[]> = {
  knowledge: ['mmlu_branch', 'fact_recall'],
  // MMLU-branch and fact recall again: knowledge retention
  skills: ['mt_bench_branch', 'mmlu_branch', 'fact_recall'],
};

/**
 * Scores every checkpoint of a run's phases and picks the best by the phase's rule. The judge is
 * opened once, at the first phase that needs it, and kept until the run ends (upstream reloads it
 * per checkpoint); the base model's answers are computed once per phase, in the same worker run
 * as all of that phase's checkpoints.
 */
export class RunEvaluation implements AsyncDisposable {
  private judge: Judge | null = null;
  private judgeIssue: string | null = null;
  private judgeOpened = false;
  private leaves: EvalLeaves | null = null;

  constructor(
    private readonly deps: EvalDeps,
    private readonly settings: RunEvaluationOptions,
    private readonly run: { id: string; outDir: string; baseModel: string },
  ) {}

  private async ensureJudge(signal: AbortSignal): Promise<void> {
    if (this.judgeOpened) return;
    this.judgeOpened = true;
    const r = await openJudgeFor(this.deps, this.settings.judge, this.settings.judgeModel, signal);
    this.judge = r.judge;
    this.judgeIssue = r.issue?.reason ?? null;
  }

  /**
   * Evaluates the phase's checkpoints and applies its rule; when evaluation cannot run at all
   * (no trainer environment, a taxonomy that cannot be read) the rule is held-out loss and the
   * selection says why. Never fails the run, except on cancel.
   */
  async selectPhase(
    phase: 'knowledge' | 'skills',
    checkpoints: CheckpointInfo[],
    ctx: { signal: AbortSignal; log(line: string): void; report(stage: string, fraction: number): void },
  ): Promise<CheckpointSelection> {
    const candidates = checkpoints.filter((c) => c.reason !== 'cancel');
    const rows = candidates.map((c) => ({ checkpoint: c.path, reason: c.reason, evalLoss: c.evalLoss }));
    const judged = (): boolean => this.judge !== null;
    let selection: CheckpointSelection;
    try {
      this.leaves ??= await loadEvalLeaves(this.settings.taxonomy, this.settings.taxonomyBase);
      await this.ensureJudge(ctx.signal);
      const dir = path.join(this.run.outDir, 'eval', phase);
      // A run resumed after a kill during selection reads back what was already answered and judged.
      const journal = await Journal.open(path.join(dir, 'journal.jsonl'));
      const reports = await evaluate({
        candidates: candidates.map((c, i) => ({ id: `ckpt-${i}`, ref: describeModel(c.path) })),
        base: describeModel(this.run.baseModel),
        leaves: this.leaves,
        benchmarks: PHASE_BENCHMARKS[phase],
        judge: this.judge,
        judgeError: this.judgeIssue ?? undefined,
        sources: { transformers: pythonSource(this.deps, dir, this.settings), gguf: this.deps.ggufSource?.() ?? null },
        maxNewTokens: this.settings.maxNewTokens ?? 128,
        signal: ctx.signal,
        journal,
        report: (p) => ctx.report(`evaluating ${phase} checkpoints: ${p.stage}`, p.fraction),
        log: ctx.log,
      }).finally(() => journal.close());
      const scored = [];
      for (const [i, c] of candidates.entries()) {
        const r = reports.get(`ckpt-${i}`);
        const saved = r
          ? await saveReport(this.deps, dir, r, {
              runId: this.run.id,
              jobId: this.run.id,
              taxonomyDir: path.resolve(this.settings.taxonomy),
            })
          : null;
        scored.push(
          scoresFromReport(saved?.report ?? null, { checkpoint: c.path, reason: c.reason, evalLoss: c.evalLoss }),
        );
      }
      selection =
        phase === 'knowledge'
          ? selectKnowledge(scored, { judged: judged() })
          : selectSkills(scored, { judged: judged() });
    } catch (err) {
      if (isCancellation(err) || ctx.signal.aborted) throw new AppError('CANCELLED', 'Cancelled');
      const why = `evaluation failed (${(err as Error).message}): held-out loss`;
      ctx.log(why);
      const empty = { reportId: null, mmluBranch: null, factRecall: null, mtBench: null };
      selection = (phase === 'knowledge' ? selectKnowledge : selectSkills)(
        rows.map((r) => ({ ...r, ...empty })),
        { judged: false },
      );
      selection = { ...selection, why };
    }
    this.deps.store.saveSelection(this.run.id, selection);
    await fs.mkdir(path.join(this.run.outDir, 'eval'), { recursive: true });
    await writeFileAtomic(
      path.join(this.run.outDir, 'eval', `selection-${phase}.json`),
      `${JSON.stringify(selection, null, 2)}\n`,
    );
    ctx.log(`${phase}: picked ${selection.chosen ?? '-'} by ${selection.rule} (${selection.why})`);
    return selection;
  }

  async dispose(): Promise<void> {
    const j = this.judge;
    this.judge = null;
    await j?.teacher.dispose();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.dispose();
  }
}
