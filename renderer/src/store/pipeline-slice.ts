import type { StateCreator } from 'zustand';
import type { PipelineRecord } from '../../../electron/shared/contract';
import { api } from '../api/connection';
import { messageOf } from '../components/message-of';
import type { Store } from './index';

export interface PipelineSlice {
  /** Every LAB run's record by its pipeline job id, mirrored from `pipeline.changed`. */
  pipelineRuns: Record<string, PipelineRecord>;
  pipelineLoaded: boolean;
  pipelineError: string | null;
  loadPipelineRuns(): Promise<void>;
  applyPipelineChanged(record: PipelineRecord): void;
}

/** Newest first, as `pipeline.runs` answers. */
export const sortPipelineRuns = (runs: Record<string, PipelineRecord>): PipelineRecord[] =>
  Object.values(runs).sort((a, b) => b.createdAt - a.createdAt);

export const createPipelineSlice: StateCreator<Store, [], [], PipelineSlice> = (set, get) => ({
  pipelineRuns: {},
  pipelineLoaded: false,
  pipelineError: null,
  async loadPipelineRuns() {
    try {
      const list = await api.call('pipeline.runs', { limit: 500 });
      // An event may have brought a newer copy while the answer travelled.
      const now = get().pipelineRuns;
      const next: Record<string, PipelineRecord> = {};
      for (const r of list) next[r.jobId] = now[r.jobId] && now[r.jobId]!.updatedAt > r.updatedAt ? now[r.jobId]! : r;
      set({ pipelineRuns: next, pipelineLoaded: true, pipelineError: null });
    } catch (err) {
      set({ pipelineLoaded: true, pipelineError: messageOf(err) });
    }
  },
  applyPipelineChanged(record) {
    set({ pipelineRuns: { ...get().pipelineRuns, [record.jobId]: record } });
  },
});
