import type { JobInfo, JobLogLine, JobProgress, JobState } from '../../shared/contract/index.js';
import type { ErrorInfo } from '../../shared/errors.js';
import type { Db } from '../store/database.js';

interface JobRow {
  id: string;
  kind: string;
  title: string;
  params: string;
  state: JobState;
  progress: string;
  result: string | null;
  error: string | null;
  resume_state: string | null;
  uses_gpu: number;
  created_at: number;
  started_at: number | null;
  ended_at: number | null;
}

/** A job as stored, without what depends on its kind's registration (`resumable`). */
export type StoredJob = Omit<JobInfo, 'resumable'>;

/** The `jobs` and `job_logs` tables: rows in, rows out, nothing about running jobs. */
export class JobStore {
  constructor(private readonly db: Db) {}

  /** Marks every job a previous process left queued or running as interrupted. */
  interruptLeftovers(now: number): void {
    this.db
      .prepare(
        `UPDATE jobs SET state = 'interrupted', ended_at = ?,
         error = json_object('code', 'INTERRUPTED', 'message', 'LabForge stopped while this job was running')
         WHERE state IN ('queued', 'running')`,
      )
      .run(now);
  }

  insert(info: JobInfo): void {
    this.db
      .prepare(
        `INSERT INTO jobs (id, kind, title, params, state, progress, uses_gpu, created_at)
         VALUES (@id, @kind, @title, @params, @state, @progress, @usesGpu, @createdAt)`,
      )
      .run({
        id: info.id,
        kind: info.kind,
        title: info.title,
        params: JSON.stringify(info.params ?? null),
        state: info.state,
        progress: JSON.stringify(info.progress),
        usesGpu: info.usesGpu ? 1 : 0,
        createdAt: info.createdAt,
      });
  }

  update(i: JobInfo): void {
    this.db
      .prepare(
        `UPDATE jobs SET state = ?, progress = ?, result = ?, error = ?, started_at = ?, ended_at = ? WHERE id = ?`,
      )
      .run(
        i.state,
        JSON.stringify(i.progress),
        i.result === null ? null : JSON.stringify(i.result),
        i.error === null ? null : JSON.stringify(i.error),
        i.startedAt,
        i.endedAt,
        i.id,
      );
  }

  get(id: string): StoredJob | null {
    const row = this.db.prepare('SELECT * FROM jobs WHERE id = ?').get(id) as JobRow | undefined;
    return row ? fromRow(row) : null;
  }

  list(opts: { limit?: number; kind?: string }): StoredJob[] {
    const rows = (
      opts.kind
        ? this.db
            .prepare('SELECT * FROM jobs WHERE kind = ? ORDER BY created_at DESC LIMIT ?')
            .all(opts.kind, opts.limit ?? 200)
        : this.db.prepare('SELECT * FROM jobs ORDER BY created_at DESC LIMIT ?').all(opts.limit ?? 200)
    ) as JobRow[];
    return rows.map(fromRow);
  }

  saveResumeState(id: string, state: unknown): void {
    this.db.prepare('UPDATE jobs SET resume_state = ? WHERE id = ?').run(JSON.stringify(state), id);
  }

  resumeState(id: string): unknown {
    const row = this.db.prepare('SELECT resume_state FROM jobs WHERE id = ?').get(id) as
      { resume_state: string | null } | undefined;
    return row?.resume_state ? (JSON.parse(row.resume_state) as unknown) : null;
  }

  /** The sequence number the next log line of job `id` gets. */
  nextLogSeq(id: string): number {
    return (
      this.db.prepare('SELECT COALESCE(MAX(seq), -1) + 1 AS n FROM job_logs WHERE job_id = ?').get(id) as { n: number }
    ).n;
  }

  appendLogs(id: string, lines: JobLogLine[]): void {
    const insert = this.db.prepare('INSERT INTO job_logs (job_id, seq, time, level, message) VALUES (?, ?, ?, ?, ?)');
    this.db.transaction(() => {
      for (const line of lines) insert.run(id, line.seq, line.time, line.level, line.message);
    })();
  }

  logs(id: string, afterSeq: number, limit: number): JobLogLine[] {
    return this.db
      .prepare('SELECT seq, time, level, message FROM job_logs WHERE job_id = ? AND seq > ? ORDER BY seq LIMIT ?')
      .all(id, afterSeq, limit) as JobLogLine[];
  }
}

function fromRow(r: JobRow): StoredJob {
  return {
    id: r.id,
    kind: r.kind,
    title: r.title,
    params: JSON.parse(r.params) as unknown,
    state: r.state,
    progress: JSON.parse(r.progress) as JobProgress,
    result: r.result === null ? null : (JSON.parse(r.result) as unknown),
    error: r.error === null ? null : (JSON.parse(r.error) as ErrorInfo),
    usesGpu: r.uses_gpu === 1,
    createdAt: r.created_at,
    startedAt: r.started_at,
    endedAt: r.ended_at,
  };
}
