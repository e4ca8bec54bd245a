import { randomUUID } from 'node:crypto';
import type { JobInfo, JobLogLine, JobProgress, JobState } from '../../shared/contract/index.js';
import { AppError, isCancellation, toErrorInfo, type ErrorInfo } from '../../shared/errors.js';
import type { EventBus } from '../rpc/event-bus.js';
import type { Db } from '../store/database.js';
import { Emitter } from '../util/emitter.js';
import type { GpuLock } from './gpu-lock.js';
import type { JobContext, JobKind } from './job-kind.js';

const EVENT_INTERVAL_MS = 100;
const PERSIST_INTERVAL_MS = 1000;
const MAX_LOG_MESSAGE = 8000;

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

interface Live {
  info: JobInfo;
  controller: AbortController;
  /** Why the signal fired: the user cancelled, or the app is shutting down. */
  stopReason: 'cancel' | 'shutdown' | null;
  dirty: boolean;
  lastEvent: number;
  lastPersist: number;
  timer: NodeJS.Timeout | null;
  pendingLogs: JobLogLine[];
  nextSeq: number;
  done: Promise<void>;
}

const emptyProgress = (): JobProgress => ({ fraction: null, stage: null, etaSeconds: null, metrics: {} });

/**
 * Runs, persists and broadcasts every long-running piece of work. Jobs live in SQLite; on start-up
 * those found running are marked `interrupted`, and resumable kinds continue from their saved state.
 */
export class JobManager {
  private readonly kinds = new Map<string, JobKind<never, unknown>>();
  private readonly live = new Map<string, Live>();
  private readonly changed = new Emitter<JobInfo>();
  readonly onDidChangeJob = this.changed.event;
  private disposed = false;

  constructor(
    private readonly db: Db,
    private readonly bus: EventBus,
    private readonly gpuLock: GpuLock,
  ) {
    const now = Date.now();
    this.db
      .prepare(
        `UPDATE jobs SET state = 'interrupted', ended_at = ?,
         error = json_object('code', 'INTERRUPTED', 'message', 'LabForge stopped while this job was running')
         WHERE state IN ('queued', 'running')`,
      )
      .run(now);
  }

  register<P, R>(kind: JobKind<P, R>): void {
    if (this.kinds.has(kind.kind)) throw new Error(`job kind ${kind.kind} registered twice`);
    this.kinds.set(kind.kind, kind as unknown as JobKind<never, unknown>);
  }

  /** Creates a job and starts it (or queues it behind the GPU lock). */
  start<P>(kindName: string, params: P): JobInfo {
    if (this.disposed) throw new AppError('CONFLICT', 'LabForge is shutting down');
    const kind = this.kinds.get(kindName);
    if (!kind) throw new AppError('NOT_FOUND', `Unknown job kind "${kindName}"`);
    const info: JobInfo = {
      id: randomUUID(),
      kind: kindName,
      title: (kind as unknown as JobKind<P>).title(params),
      params,
      state: 'queued',
      progress: emptyProgress(),
      result: null,
      error: null,
      resumable: kind.resumable ?? false,
      usesGpu: kind.usesGpu ?? false,
      createdAt: Date.now(),
      startedAt: null,
      endedAt: null,
    };
    this.db
      .prepare(
        `INSERT INTO jobs (id, kind, title, params, state, progress, uses_gpu, created_at)
         VALUES (@id, @kind, @title, @params, @state, @progress, @usesGpu, @createdAt)`,
      )
      .run({
        id: info.id,
        kind: info.kind,
        title: info.title,
        params: JSON.stringify(params ?? null),
        state: info.state,
        progress: JSON.stringify(info.progress),
        usesGpu: info.usesGpu ? 1 : 0,
        createdAt: info.createdAt,
      });
    this.launch(info, kind, null, 0);
    return structuredClone(info);
  }

  get(id: string): JobInfo {
    const l = this.live.get(id);
    if (l) return structuredClone(l.info);
    const row = this.db.prepare('SELECT * FROM jobs WHERE id = ?').get(id) as JobRow | undefined;
    if (!row) throw new AppError('NOT_FOUND', `No job with id ${id}`);
    return this.fromRow(row);
  }

  list(opts: { limit?: number; kind?: string } = {}): JobInfo[] {
    const rows = (
      opts.kind
        ? this.db
            .prepare('SELECT * FROM jobs WHERE kind = ? ORDER BY created_at DESC LIMIT ?')
            .all(opts.kind, opts.limit ?? 200)
        : this.db.prepare('SELECT * FROM jobs ORDER BY created_at DESC LIMIT ?').all(opts.limit ?? 200)
    ) as JobRow[];
    return rows.map((r) => this.live.get(r.id)?.info ?? this.fromRow(r)).map((i) => structuredClone(i));
  }

  log(id: string, afterSeq = -1, limit = 2000): JobLogLine[] {
    this.get(id);
    const l = this.live.get(id);
    if (l) this.flushLogs(l);
    return this.db
      .prepare('SELECT seq, time, level, message FROM job_logs WHERE job_id = ? AND seq > ? ORDER BY seq LIMIT ?')
      .all(id, afterSeq, limit) as JobLogLine[];
  }

  /** Stops a queued or running job; it ends as `cancelled`. */
  cancel(id: string): JobInfo {
    const l = this.live.get(id);
    if (!l) return this.get(id);
    l.stopReason = 'cancel';
    l.controller.abort(new AppError('CANCELLED', 'Cancelled by the user'));
    return structuredClone(l.info);
  }

  /** Continues an interrupted, failed or cancelled job from its saved state. */
  resume(id: string): JobInfo {
    const info = this.get(id);
    if (this.live.has(id)) throw new AppError('CONFLICT', `Job ${id} is still ${info.state}`);
    const kind = this.kinds.get(info.kind);
    if (!kind?.resumable) {
      throw new AppError('JOB_NOT_RESUMABLE', `A ${info.kind} job cannot be resumed; start a new one instead.`);
    }
    if (info.state === 'succeeded') throw new AppError('CONFLICT', 'The job already succeeded');
    const row = this.db.prepare('SELECT resume_state FROM jobs WHERE id = ?').get(id) as {
      resume_state: string | null;
    };
    const resumeState = row.resume_state ? (JSON.parse(row.resume_state) as unknown) : null;
    const next: JobInfo = { ...info, state: 'queued', error: null, result: null, endedAt: null };
    const seq = (
      this.db.prepare('SELECT COALESCE(MAX(seq), -1) + 1 AS n FROM job_logs WHERE job_id = ?').get(id) as { n: number }
    ).n;
    this.launch(next, kind, resumeState, seq);
    this.persist(this.live.get(id)!);
    return structuredClone(next);
  }

  /** Resolves when the job has ended (whatever the outcome). */
  async waitFor(id: string): Promise<JobInfo> {
    await this.live.get(id)?.done;
    return this.get(id);
  }

  /** Stops every running job (they end as `interrupted`, resumable later) and waits for them. */
  async dispose(): Promise<void> {
    this.disposed = true;
    const running = [...this.live.values()];
    for (const l of running) {
      l.stopReason = 'shutdown';
      l.controller.abort(new AppError('CANCELLED', 'LabForge is shutting down'));
    }
    await Promise.all(running.map((l) => l.done));
    this.changed.dispose();
  }

  private launch(info: JobInfo, kind: JobKind<never, unknown>, resumeState: unknown, firstSeq: number): void {
    const controller = new AbortController();
    const l: Live = {
      info,
      controller,
      stopReason: null,
      dirty: false,
      lastEvent: 0,
      lastPersist: Date.now(),
      timer: null,
      pendingLogs: [],
      nextSeq: firstSeq,
      done: Promise.resolve(),
    };
    this.live.set(info.id, l);
    this.emit(l);
    l.done = this.execute(l, kind, resumeState);
  }

  private async execute(l: Live, kind: JobKind<never, unknown>, resumeState: unknown): Promise<void> {
    const { info, controller } = l;
    const ctx: JobContext<unknown> = {
      id: info.id,
      params: info.params,
      signal: controller.signal,
      resumeState,
      report: (p) => {
        info.progress = { ...info.progress, ...p, metrics: { ...info.progress.metrics, ...p.metrics } };
        this.touch(l);
      },
      log: (message, level = 'info') => this.appendLog(l, message, level),
      saveResumeState: (state) => {
        this.db.prepare('UPDATE jobs SET resume_state = ? WHERE id = ?').run(JSON.stringify(state), info.id);
      },
    };
    let release: (() => void) | null = null;
    let end: { state: JobState; result?: unknown; error?: ErrorInfo | null };
    try {
      if (kind.usesGpu) {
        if (this.gpuLock.owner !== null) ctx.log(`Waiting for the GPU (in use by job ${this.gpuLock.owner})`);
        release = await this.gpuLock.acquire(info.id, controller.signal);
      }
      info.state = 'running';
      info.startedAt = Date.now();
      this.persist(l);
      this.emit(l);
      const result = await (kind as JobKind<unknown, unknown>).run(ctx);
      controller.signal.throwIfAborted();
      end = { state: 'succeeded', result: result ?? null, error: null };
    } catch (err) {
      if (l.stopReason === 'shutdown') {
        end = {
          state: 'interrupted',
          error: { code: 'INTERRUPTED', message: 'LabForge stopped while this job was running' },
        };
      } else if (l.stopReason === 'cancel' || (controller.signal.aborted && isCancellation(err))) {
        end = { state: 'cancelled', error: null };
      } else {
        const e = toErrorInfo(err);
        end = { state: 'failed', error: e };
        this.appendLog(l, `${e.code}: ${e.message}${e.hint ? ` (${e.hint})` : ''}`, 'error');
        if (e.code === 'INTERNAL' && err instanceof Error && err.stack) this.appendLog(l, err.stack, 'debug');
      }
    } finally {
      release?.();
    }
    info.state = end.state;
    info.result = end.result ?? null;
    info.error = end.error ?? null;
    info.endedAt = Date.now();
    if (end.state === 'succeeded') info.progress = { ...info.progress, fraction: 1, etaSeconds: 0 };
    if (l.timer) clearTimeout(l.timer);
    this.flushLogs(l);
    this.persist(l);
    this.live.delete(info.id);
    this.emit(l);
  }

  private touch(l: Live): void {
    l.dirty = true;
    const now = Date.now();
    if (now - l.lastPersist >= PERSIST_INTERVAL_MS) this.persist(l);
    if (l.timer) return;
    const wait = Math.max(0, EVENT_INTERVAL_MS - (now - l.lastEvent));
    l.timer = setTimeout(() => {
      l.timer = null;
      if (this.live.get(l.info.id) === l) this.emit(l);
    }, wait);
  }

  private emit(l: Live): void {
    l.lastEvent = Date.now();
    this.flushLogs(l);
    const snapshot = structuredClone(l.info);
    this.bus.emit('jobs.changed', snapshot);
    this.changed.fire(snapshot);
  }

  private persist(l: Live): void {
    const i = l.info;
    l.lastPersist = Date.now();
    l.dirty = false;
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

  private appendLog(l: Live, message: string, level: JobLogLine['level']): void {
    const text = message.length > MAX_LOG_MESSAGE ? `${message.slice(0, MAX_LOG_MESSAGE)}…` : message;
    l.pendingLogs.push({ seq: l.nextSeq++, time: Date.now(), level, message: text });
    this.touch(l);
  }

  private flushLogs(l: Live): void {
    if (l.pendingLogs.length === 0) return;
    const lines = l.pendingLogs;
    l.pendingLogs = [];
    const insert = this.db.prepare('INSERT INTO job_logs (job_id, seq, time, level, message) VALUES (?, ?, ?, ?, ?)');
    this.db.transaction(() => {
      for (const line of lines) insert.run(l.info.id, line.seq, line.time, line.level, line.message);
    })();
    this.bus.emit('jobs.logged', { id: l.info.id, lines });
  }

  private fromRow(r: JobRow): JobInfo {
    const kind = this.kinds.get(r.kind);
    return {
      id: r.id,
      kind: r.kind,
      title: r.title,
      params: JSON.parse(r.params) as unknown,
      state: r.state,
      progress: JSON.parse(r.progress) as JobProgress,
      result: r.result === null ? null : (JSON.parse(r.result) as unknown),
      error: r.error === null ? null : (JSON.parse(r.error) as ErrorInfo),
      resumable: (kind?.resumable ?? false) && r.state !== 'succeeded',
      usesGpu: r.uses_gpu === 1,
      createdAt: r.created_at,
      startedAt: r.started_at,
      endedAt: r.ended_at,
    };
  }
}
