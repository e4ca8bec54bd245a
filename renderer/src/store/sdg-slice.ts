import type { StateCreator } from 'zustand';
import type { EventPayload, SdgArrival, SdgSample, SdgStatus } from '../../../electron/shared/contract';
import { api } from '../api/connection';
import type { Store } from './index';

export interface SdgSlice {
  /** Per-leaf progress and counts of the generation jobs the UI follows, by job id (from `sdg.progress`). */
  sdgStatus: Record<string, SdgStatus>;
  /** Kept samples by job id: loaded once, then appended from `sdg.sampled` as each leaf finishes. */
  sdgSamples: Record<string, SdgSample[]>;
  /** The latest teacher replies of each followed job, newest first, before the filters (from `sdg.arrived`). */
  sdgArrived: Record<string, Array<SdgArrival & { leaf: string; n: number }>>;
  followGeneration(jobId: string): void;
  applySdgArrived(e: EventPayload<'sdg.arrived'>): void;
  applySdgProgress(s: EventPayload<'sdg.progress'>): void;
  applySdgSampled(e: EventPayload<'sdg.sampled'>): void;
  /** Discards (or keeps again) one sample; the core mixes the training sets again without it. */
  setDiscarded(jobId: string, id: string, discarded: boolean): Promise<void>;
  reloadSdg(): void;
}

const ARRIVED_KEPT = 8;

export const createSdgSlice: StateCreator<Store, [], [], SdgSlice> = (set, get) => {
  const load = async (jobId: string): Promise<void> => {
    const [status, page] = await Promise.all([
      api.call('sdg.status', { jobId }).catch(() => null),
      api.call('sdg.samples', { jobId, offset: 0, limit: 500 }).catch(() => null),
    ]);
    if (status) set({ sdgStatus: { ...get().sdgStatus, [jobId]: status } });
    if (page) set({ sdgSamples: { ...get().sdgSamples, [jobId]: page.samples } });
  };
  return {
    sdgStatus: {},
    sdgSamples: {},
    sdgArrived: {},
    followGeneration(jobId) {
      if (get().sdgSamples[jobId]) return;
      set({ sdgSamples: { ...get().sdgSamples, [jobId]: [] } });
      void load(jobId);
    },
    applySdgProgress(s) {
      set({ sdgStatus: { ...get().sdgStatus, [s.jobId]: s } });
    },
    applySdgArrived(e) {
      if (!get().sdgSamples[e.jobId]) return;
      const have = get().sdgArrived[e.jobId] ?? [];
      let n = have[0]?.n ?? 0;
      const fresh = e.items.map((x) => ({ ...x, leaf: e.leaf, n: ++n })).reverse();
      set({ sdgArrived: { ...get().sdgArrived, [e.jobId]: [...fresh, ...have].slice(0, ARRIVED_KEPT) } });
    },
    applySdgSampled(e) {
      const have = get().sdgSamples[e.jobId] ?? [];
      const ids = new Set(have.map((x) => x.id));
      set({ sdgSamples: { ...get().sdgSamples, [e.jobId]: [...have, ...e.samples.filter((x) => !ids.has(x.id))] } });
    },
    async setDiscarded(jobId, id, discarded) {
      await api.call('sdg.discard', { jobId, ids: [id], discarded });
      const list = get().sdgSamples[jobId] ?? [];
      set({ sdgSamples: { ...get().sdgSamples, [jobId]: list.map((x) => (x.id === id ? { ...x, discarded } : x)) } });
    },
    reloadSdg() {
      for (const id of Object.keys(get().sdgSamples)) void load(id);
    },
  };
};
