import path from 'node:path';
import { pipelineRecordSchema, type PipelineRecord } from '../../shared/contract/index.js';
import { AppError } from '../../shared/errors.js';
import type { EventBus } from '../rpc/event-bus.js';
import type { Db } from '../store/database.js';
import { writeFileAtomic } from '../util/fs.js';

/** Pipeline run records: SQLite (`pipeline_runs`, migration 5) for listing, `<out>/pipeline.json` for people and scripts. */
export class PipelineStore {
  constructor(
    private readonly db: Db,
    private readonly bus: EventBus,
  ) {}

  async save(record: PipelineRecord): Promise<void> {
    const r = { ...record, updatedAt: Date.now() };
    this.db
      .prepare(
        `INSERT INTO pipeline_runs (job_id, out, record, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(job_id) DO UPDATE SET out = excluded.out, record = excluded.record, updated_at = excluded.updated_at`,
      )
      .run(r.jobId, path.resolve(r.out), JSON.stringify(r), r.createdAt, r.updatedAt);
    await writeFileAtomic(path.join(r.out, 'pipeline.json'), `${JSON.stringify(r, null, 2)}\n`);
    this.bus.emit('pipeline.changed', r);
  }

  get(jobId: string): PipelineRecord {
    const row = this.db.prepare('SELECT record FROM pipeline_runs WHERE job_id = ?').get(jobId) as
      { record: string } | undefined;
    if (!row) throw new AppError('NOT_FOUND', `No pipeline run ${jobId}`);
    return parse(row.record);
  }

  tryGet(jobId: string): PipelineRecord | null {
    try {
      return this.get(jobId);
    } catch {
      return null;
    }
  }

  list(limit = 100): PipelineRecord[] {
    const rows = this.db
      .prepare('SELECT record FROM pipeline_runs ORDER BY created_at DESC LIMIT ?')
      .all(limit) as Array<{ record: string }>;
    return rows.map((r) => parse(r.record));
  }

  /** The newest run whose folder is `out`. */
  findByOut(out: string): PipelineRecord | null {
    const row = this.db
      .prepare('SELECT record FROM pipeline_runs WHERE out = ? ORDER BY created_at DESC LIMIT 1')
      .get(path.resolve(out)) as { record: string } | undefined;
    return row ? parse(row.record) : null;
  }
}

const parse = (text: string): PipelineRecord => pipelineRecordSchema.parse(JSON.parse(text));
