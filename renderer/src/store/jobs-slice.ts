import type { StateCreator } from 'zustand';
import type { JobInfo, JobState } from '../../../electron/shared/contract';
import { api } from '../api/connection';
import type { Store } from './index';

export const endedStates: ReadonlySet<JobState> = new Set(['succeeded', 'failed', 'cancelled', 'interrupted']);
export const isActive = (job: JobInfo): boolean => job.state === 'queued' || job.state === 'running';

const rank = (s: JobState): number => (s === 'queued' ? 0 : s === 'running' ? 1 : 2);

export interface JobsSlice {
  /** Mirror of the core's jobs, keyed by id. Changes only from `jobs.list` and `jobs.changed`. */
  jobsById: Record<string, JobInfo>;
  jobsLoaded: boolean;
  jobsError: string | null;
  /** Replaces the mirror with a fresh `jobs.list` (start-up and after a reconnect). */
  loadJobs(): Promise<void>;
  /** Applies one `jobs.changed` event. */
  applyJobChanged(job: JobInfo): void;
}

export const createJobsSlice: StateCreator<Store, [], [], JobsSlice> = (set, get) => {
  // Events that arrive while a list is in flight; a late event may be newer than the snapshot.
  let seenDuringLoad: Map<string, JobInfo> | null = null;

  return {
    jobsById: {},
    jobsLoaded: false,
    jobsError: null,

    async loadJobs() {
      const seen = new Map<string, JobInfo>();
      seenDuringLoad = seen;
      try {
        const list = await api.call('jobs.list', { limit: 1000 });
        const next: Record<string, JobInfo> = {};
        for (const job of list) next[job.id] = job;
        for (const [id, ev] of seen) {
          const snap = next[id];
          // Never let a snapshot undo an end we already saw (the list may have been read just before it).
          if (!snap || rank(ev.state) > rank(snap.state)) next[id] = ev;
        }
        set({ jobsById: next, jobsLoaded: true, jobsError: null });
      } catch (err) {
        set({ jobsError: (err as Error).message });
      } finally {
        if (seenDuringLoad === seen) seenDuringLoad = null;
      }
    },

    applyJobChanged(job) {
      seenDuringLoad?.set(job.id, job);
      set({ jobsById: { ...get().jobsById, [job.id]: job } });
    },
  };
};

/** Newest first. */
export function sortJobs(jobs: Iterable<JobInfo>): JobInfo[] {
  return [...jobs].sort((a, b) => b.createdAt - a.createdAt);
}
