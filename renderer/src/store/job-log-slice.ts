import type { StateCreator } from 'zustand';
import type { EventPayload, JobLogLine } from '../../../electron/shared/contract';
import { api } from '../api/connection';
import type { Store } from './index';

const MAX_LINES = 5000;

export interface JobLog {
  lines: JobLogLine[];
  error: string | null;
}

export interface JobLogSlice {
  /** The logs of the jobs a view follows: stored lines from `jobs.log`, then live `jobs.logged` lines, by seq. */
  jobLogs: Record<string, JobLog>;
  /** Starts following job `id`'s log; returns the function that stops (the last follower drops the lines). */
  followJobLog(id: string): () => void;
  /** Applies one `jobs.logged` event. */
  applyJobLogged(e: EventPayload<'jobs.logged'>): void;
  /** Fetches what was logged while the connection was down. */
  reloadJobLogs(): void;
}

interface Follow {
  count: number;
  /** Live lines that arrived before the stored ones. */
  buffered: JobLogLine[] | null;
  ctrl: AbortController;
}

export const createJobLogSlice: StateCreator<Store, [], [], JobLogSlice> = (set, get) => {
  const follows = new Map<string, Follow>();
  const merge = (id: string, incoming: JobLogLine[]): void => {
    const log = get().jobLogs[id] ?? { lines: [], error: null };
    const last = log.lines.at(-1)?.seq ?? -Infinity;
    const fresh = incoming.filter((l) => l.seq > last);
    if (fresh.length === 0 && log.error === null && get().jobLogs[id]) return;
    set({ jobLogs: { ...get().jobLogs, [id]: { lines: [...log.lines, ...fresh].slice(-MAX_LINES), error: null } } });
  };
  const load = (id: string): void => {
    const f = follows.get(id);
    if (!f) return;
    f.buffered ??= [];
    const afterSeq = get().jobLogs[id]?.lines.at(-1)?.seq;
    api
      .call('jobs.log', { id, afterSeq, limit: MAX_LINES }, { signal: f.ctrl.signal })
      .then((stored) => {
        if (follows.get(id) !== f) return;
        merge(id, stored);
        const buffered = (f.buffered ?? []).sort((a, b) => a.seq - b.seq);
        f.buffered = null;
        merge(id, buffered);
      })
      .catch((err: Error) => {
        if (f.ctrl.signal.aborted) return;
        const log = get().jobLogs[id] ?? { lines: [], error: null };
        set({ jobLogs: { ...get().jobLogs, [id]: { ...log, error: err.message } } });
      });
  };

  return {
    jobLogs: {},
    followJobLog: (id) => {
      const existing = follows.get(id);
      if (existing) existing.count++;
      else {
        follows.set(id, { count: 1, buffered: [], ctrl: new AbortController() });
        load(id);
      }
      return () => {
        const f = follows.get(id);
        if (!f || --f.count > 0) return;
        f.ctrl.abort();
        follows.delete(id);
        const rest = { ...get().jobLogs };
        delete rest[id];
        set({ jobLogs: rest });
      };
    },
    applyJobLogged: (e) => {
      const f = follows.get(e.id);
      if (!f) return;
      if (f.buffered) f.buffered.push(...e.lines);
      else merge(e.id, e.lines);
    },
    reloadJobLogs: () => {
      for (const id of follows.keys()) load(id);
    },
  };
};
