import { randomUUID } from 'node:crypto';
import {
  isJobKindName,
  jobKindSchemas,
  type JobInfo,
  type JobKindName,
  type JobLogLine,
  type JobParamsInput,
  type JobProgress,
  type JobState,
} from '../../shared/contract/index.js';
import { AppError, isCancellation, toErrorInfo, type ErrorInfo } from '../../shared/errors.js';
import type { EventBus } from '../rpc/event-bus.js';
import type { Db } from '../store/database.js';
import { Emitter } from '../util/emitter.js';
import type { GpuLock } from './gpu-lock.js';
import type { JobContext, JobKind } from './job-kind.js';
import { JobStore, type StoredJob } from './job-store.js';

const EVENT_INTERVAL_MS = 100;
const PERSIST_INTERVAL_MS = 1000;
const MAX_LOG_MESSAGE = 8000;

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

/** Whether a job can be continued later: its kind resumes and it has not succeeded. One rule for events and reads. */
const resumableIn = (kind: JobKind | undefined, state: JobState): boolean =>
  (kind?.resumable ?? false) && state !== 'succeeded';

/**
 * Runs, persists and broadcasts every long-running piece of work. Jobs live in SQLite (`JobStore`); on
 * start-up those found running are marked `interrupted`, and resumable kinds continue from their saved state.
 */
export class JobManager {
  private readonly kinds = new Map<string, JobKind>();
  private readonly live = new Map<string, Live>();
  private readonly store: JobStore;
  private readonly changed = new Emitter<JobInfo>();
  readonly onDidChangeJob = this.changed.event;
  private disposed = false;

  constructor(
    db: Db,
    private readonly bus: EventBus,
    private readonly gpuLock: GpuLock,
    /** Set when another live process owns the data folder: its jobs are its own, and none start here. */
    private readonly readOnlyBeside: string | null = null,
  ) {
    this.store = new JobStore(db);
    // Only the owner may conclude that jobs left running belong to a process that is gone.
    if (readOnlyBeside === null) this.store.interruptLeftovers(Date.now());
  }

  private assertOwner(): void {
    if (this.readOnlyBeside === null) return;
    throw new AppError('DATA_DIR_LOCKED', `This data folder is in use by ${this.readOnlyBeside}; jobs start there.`, {
      hint: 'Start it from that LabForge (or stop it first), or use another --data-dir.',
    });
  }

  register<P, R>(kind: JobKind<P, R>): void {
    if (this.kinds.has(kind.kind)) throw new Error(`job kind ${kind.kind} registered twice`);
    this.kinds.set(kind.kind, kind);
  }

  /** The registered kinds (a check that every kind of the contract's `jobKinds` is implemented). */
  registeredKinds(): string[] {
    return [...this.kinds.keys()];
  }

  /**
   * Creates a job and starts it (or queues it behind the GPU lock). Params of a contract kind are
   * validated against its schema (INVALID_REQUEST naming the field); a kind outside the map takes them as given.
   */
  start<K extends JobKindName>(kind: K, params: JobParamsInput<K>): JobInfo;
  start<N extends string>(kind: N extends JobKindName ? never : N, params: unknown): JobInfo;
  start(kindName: string, rawParams: unknown): JobInfo {
    if (this.disposed) throw new AppError('CONFLICT', 'LabForge is shutting down');
    this.assertOwner();
    const kind = this.kinds.get(kindName);
    if (!kind) throw new AppError('NOT_FOUND', `Unknown job kind "${kindName}"`);
    const params = isJobKindName(kindName) ? validParams(kindName, rawParams) : rawParams;
    const info: JobInfo = {
      id: randomUUID(),
      kind: kindName,
      title: kind.title(params),
      params,
      state: 'queued',
      progress: emptyProgress(),
      result: null,
      error: null,
      resumable: resumableIn(kind, 'queued'),
      usesGpu: kind.usesGpu ?? false,
      createdAt: Date.now(),
      startedAt: null,
      endedAt: null,
    };
    this.store.insert(info);
    this.launch(info, kind, null, 0);
    return structuredClone(info);
  }

  get(id: string): JobInfo {
    const l = this.live.get(id);
    if (l) return structuredClone(l.info);
    const stored = this.store.get(id);
    if (!stored) throw new AppError('NOT_FOUND', `No job with id ${id}`);
    return this.withKind(stored);
  }

  list(opts: { limit?: number; kind?: string } = {}): JobInfo[] {
    return this.store
      .list(opts)
      .map((r) => this.live.get(r.id)?.info ?? this.withKind(r))
      .map((i) => structuredClone(i));
  }

  log(id: string, afterSeq = -1, limit = 2000): JobLogLine[] {
    this.get(id);
    const l = this.live.get(id);
    if (l) this.flushLogs(l);
    return this.store.logs(id, afterSeq, limit);
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
    this.assertOwner();
    const info = this.get(id);
    if (this.live.has(id)) throw new AppError('CONFLICT', `Job ${id} is still ${info.state}`);
    const kind = this.kinds.get(info.kind);
    if (!kind?.resumable) {
      throw new AppError('JOB_NOT_RESUMABLE', `A ${info.kind} job cannot be resumed; start a new one instead.`);
    }
    if (info.state === 'succeeded') throw new AppError('CONFLICT', 'The job already succeeded');
    const next: JobInfo = { ...info, state: 'queued', error: null, result: null, endedAt: null };
    next.resumable = resumableIn(kind, next.state);
    this.launch(next, kind, this.store.resumeState(id), this.store.nextLogSeq(id));
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

  private withKind(stored: StoredJob): JobInfo {
    return { ...stored, resumable: resumableIn(this.kinds.get(stored.kind), stored.state) };
  }

  private launch(info: JobInfo, kind: JobKind, resumeState: unknown, firstSeq: number): void {
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

  private async execute(l: Live, kind: JobKind, resumeState: unknown): Promise<void> {
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
      saveResumeState: (state) => this.store.saveResumeState(info.id, state),
    };
    let release: (() => void) | null = null;
    let end: { state: JobState; result?: unknown; error?: ErrorInfo | null };
    try {
      if (kind.usesGpu) {
        if (this.gpuLock.owner !== null) ctx.log(`Waiting for the GPU (in use by job ${this.gpuLock.owner})`);
        let told = false;
        release = await this.gpuLock.acquire(info.id, controller.signal, (holder) => {
          if (told) return;
          told = true;
          ctx.log(`Waiting for the GPU (in use by ${holder} in another process)`);
        });
      }
      info.state = 'running';
      info.startedAt = Date.now();
      this.persist(l);
      this.emit(l);
      const result = await kind.run(ctx);
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
    info.resumable = resumableIn(kind, info.state);
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
    l.lastPersist = Date.now();
    l.dirty = false;
    this.store.update(l.info);
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
    this.store.appendLogs(l.info.id, lines);
    this.bus.emit('jobs.logged', { id: l.info.id, lines });
  }
}

function validParams(kind: JobKindName, params: unknown): unknown {
  const r = jobKindSchemas(kind).params.safeParse(params ?? {});
  if (r.success) return r.data;
  throw new AppError(
    'INVALID_REQUEST',
    `Invalid params for a ${kind} job: ${r.error.issues
      .map((i) => `${i.path.length ? i.path.join('.') : '(params)'}: ${i.message}`)
      .join('; ')}`,
    { details: r.error.issues.map((i) => ({ path: i.path, message: i.message })) },
  );
}
