import type { CheckpointSelection, EvalReport, EvalReportSummary } from '../../shared/contract/index.js';
import { checkpointSelectionSchema, evalReportSchema } from '../../shared/contract/index.js';
import { AppError } from '../../shared/errors.js';
import type { Db } from '../store/database.js';

interface Row {
  id: string;
  run_id: string | null;
  job_id: string | null;
  model: string;
  base: string;
  scores: string;
  created_at: number;
}

/** Evaluation reports and checkpoint choices in SQLite (migration 4); the JSON files in the run folder are the same. */
export class EvalStore {
  constructor(private readonly db: Db) {}

  save(report: EvalReport, opts: { path: string; jobId: string | null }): void {
    const scores = Object.fromEntries(
      Object.entries(report.benchmarks).map(([k, b]) => [k, { model: b.model, base: b.base }]),
    );
    this.db
      .prepare(
        `INSERT OR REPLACE INTO eval_reports (id, run_id, job_id, model, base, path, scores, report, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        report.id,
        report.runId,
        opts.jobId,
        report.model.path,
        report.base.path,
        opts.path,
        JSON.stringify(scores),
        JSON.stringify(report),
        report.createdAt,
      );
  }

  list(runId?: string): EvalReportSummary[] {
    const rows = (
      runId
        ? this.db.prepare('SELECT * FROM eval_reports WHERE run_id = ? ORDER BY created_at DESC').all(runId)
        : this.db.prepare('SELECT * FROM eval_reports ORDER BY created_at DESC LIMIT 500').all()
    ) as Row[];
    return rows.map((r) => ({
      id: r.id,
      runId: r.run_id,
      jobId: r.job_id,
      model: r.model,
      base: r.base,
      createdAt: r.created_at,
      scores: JSON.parse(r.scores) as EvalReportSummary['scores'],
    }));
  }

  get(id: string): EvalReport {
    const row = this.db.prepare('SELECT report FROM eval_reports WHERE id = ?').get(id) as
      { report: string } | undefined;
    if (!row) throw new AppError('NOT_FOUND', `No evaluation report ${id}`);
    return evalReportSchema.parse(JSON.parse(row.report));
  }

  saveSelection(runId: string, s: CheckpointSelection): void {
    this.db
      .prepare(
        'INSERT OR REPLACE INTO checkpoint_selections (run_id, phase, selection, created_at) VALUES (?, ?, ?, ?)',
      )
      .run(runId, s.phase, JSON.stringify(s), Date.now());
  }

  selections(runId?: string): CheckpointSelection[] {
    const rows = (
      runId
        ? this.db.prepare('SELECT selection FROM checkpoint_selections WHERE run_id = ? ORDER BY created_at').all(runId)
        : []
    ) as Array<{ selection: string }>;
    return rows.map((r) => checkpointSelectionSchema.parse(JSON.parse(r.selection)));
  }
}
