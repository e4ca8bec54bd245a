import type { StateCreator } from 'zustand';
import {
  jobParams,
  type EventPayload,
  type JobInfo,
  type LossPoint,
  type PythonStatus,
  type TrainingMetrics,
} from '../../../electron/shared/contract';
import { api } from '../api/connection';
import type { Store } from './index';

export interface RunMetrics extends TrainingMetrics {
  /** The first `training.metrics` answer has arrived (live points may come before it). */
  loaded: boolean;
  error: string | null;
}

export interface TrainingSlice {
  /** The trainer's Python environment; null until the first `python.status` answer. */
  pythonStatus: PythonStatus | null;
  pythonChecking: boolean;
  pythonError: string | null;
  /** Asks the core (it runs the interpreters, so it takes a few seconds). */
  loadPythonStatus(): Promise<void>;
  applyPythonChanged(status: PythonStatus): void;

  /** Loss curves of the runs the UI follows, keyed by job id. Live points come from `training.progress`. */
  runMetrics: Record<string, RunMetrics>;
  /** Starts following a run: one `training.metrics`, then only appended points. */
  followRun(jobId: string): void;
  applyTrainingProgress(event: EventPayload<'training.progress'>): void;
  /** Held-out scores and checkpoints have no event: refresh them when a followed run changes epoch or ends. */
  applyTrainingJobChanged(job: JobInfo): void;
  /** After a reconnect: events sent while the socket was down are lost. */
  reloadTraining(): void;
}

const emptyMetrics = (): RunMetrics => ({
  points: [],
  evals: [],
  checkpoints: [],
  best: {},
  adapted: [],
  loaded: false,
  error: null,
});

const phaseRank = (phase: string, order: readonly string[]): number => {
  const i = order.indexOf(phase);
  return i < 0 ? order.length : i;
};

/** Points sorted by (phase in run order, step), the later copy winning (a resumed run repeats steps). */
export function mergePoints(a: LossPoint[], b: LossPoint[], order: readonly string[]): LossPoint[] {
  const byKey = new Map<string, LossPoint>();
  for (const p of a) byKey.set(`${p.phase}:${p.step}`, p);
  for (const p of b) byKey.set(`${p.phase}:${p.step}`, p);
  return [...byKey.values()].sort((x, y) => phaseRank(x.phase, order) - phaseRank(y.phase, order) || x.step - y.step);
}

const isAfter = (p: LossPoint, last: LossPoint | undefined, order: readonly string[]): boolean => {
  if (!last) return true;
  const d = phaseRank(p.phase, order) - phaseRank(last.phase, order);
  return d > 0 || (d === 0 && p.step > last.step);
};

const phaseOrder = (job: JobInfo | undefined): readonly string[] =>
  (job && jobParams('training.run', job)?.phases) ?? ['knowledge', 'skills'];

export const createTrainingSlice: StateCreator<Store, [], [], TrainingSlice> = (set, get) => {
  // Live points wait here for the next animation frame, so a fast trainer costs one render per frame.
  let pending: EventPayload<'training.progress'>[] = [];
  let scheduled = false;
  const loading = new Map<string, Promise<void>>();
  const lastStage = new Map<string, string>();
  const refreshTimers = new Map<string, ReturnType<typeof setTimeout>>();

  const flush = (): void => {
    scheduled = false;
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    const runs = { ...get().runMetrics };
    for (const { jobId, point } of batch) {
      const m = runs[jobId];
      if (!m) continue;
      const order = phaseOrder(get().jobsById[jobId]);
      runs[jobId] = {
        ...m,
        points: isAfter(point, m.points.at(-1), order) ? [...m.points, point] : mergePoints(m.points, [point], order),
      };
    }
    set({ runMetrics: runs });
  };

  const schedule = (): void => {
    if (scheduled) return;
    scheduled = true;
    // rAF pauses in a hidden tab; the timer makes sure the points still land.
    if (typeof requestAnimationFrame === 'function') requestAnimationFrame(flush);
    setTimeout(flush, 500);
  };

  const again = new Set<string>();
  const load = (jobId: string): Promise<void> => {
    const inFlight = loading.get(jobId);
    if (inFlight) {
      // That answer may predate what the caller knows is on disk: ask once more after it.
      again.add(jobId);
      return inFlight;
    }
    const p = api
      .call('training.metrics', { jobId })
      .then((fresh) => {
        flush();
        const m = get().runMetrics[jobId] ?? emptyMetrics();
        const order = phaseOrder(get().jobsById[jobId]);
        set({
          runMetrics: {
            ...get().runMetrics,
            [jobId]: { ...fresh, points: mergePoints(fresh.points, m.points, order), loaded: true, error: null },
          },
        });
      })
      .catch((err: Error) => {
        const m = get().runMetrics[jobId] ?? emptyMetrics();
        set({ runMetrics: { ...get().runMetrics, [jobId]: { ...m, loaded: true, error: err.message } } });
      })
      .finally(() => {
        loading.delete(jobId);
        if (again.delete(jobId)) void load(jobId);
      });
    loading.set(jobId, p);
    return p;
  };

  return {
    pythonStatus: null,
    pythonChecking: false,
    pythonError: null,

    async loadPythonStatus() {
      set({ pythonChecking: true });
      try {
        const status = await api.call('python.status', {});
        set({ pythonStatus: status, pythonError: null });
      } catch (err) {
        set({ pythonError: (err as Error).message });
      } finally {
        set({ pythonChecking: false });
      }
    },

    applyPythonChanged(status) {
      set({ pythonStatus: status, pythonError: null });
    },

    runMetrics: {},

    followRun(jobId) {
      if (get().runMetrics[jobId]) return;
      set({ runMetrics: { ...get().runMetrics, [jobId]: emptyMetrics() } });
      void load(jobId);
    },

    applyTrainingProgress(event) {
      if (!get().runMetrics[event.jobId]) return;
      pending.push(event);
      schedule();
    },

    applyTrainingJobChanged(job) {
      if (job.kind !== 'training.run' || !get().runMetrics[job.id]) return;
      const key = `${job.state}|${job.progress.stage ?? ''}`;
      const before = lastStage.get(job.id);
      lastStage.set(job.id, key);
      if (before === undefined || before === key) return;
      // The worker's eval and checkpoint lines are written just before the next epoch starts;
      // a short delay lets them reach the run's metrics file.
      clearTimeout(refreshTimers.get(job.id));
      refreshTimers.set(
        job.id,
        setTimeout(() => {
          refreshTimers.delete(job.id);
          void load(job.id);
        }, 400),
      );
    },

    reloadTraining() {
      for (const id of Object.keys(get().runMetrics)) void load(id);
      if (get().pythonStatus || get().pythonError) void get().loadPythonStatus();
    },
  };
};
