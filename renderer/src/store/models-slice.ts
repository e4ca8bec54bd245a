import type { StateCreator } from 'zustand';
import type { ModelInfo } from '../../../electron/shared/contract';
import { api } from '../api/connection';
import type { Store } from './index';

export interface ModelsSlice {
  /** Mirror of the model library, keyed by id. Changes only from `models.list` and `models.changed`. */
  modelsById: Record<string, ModelInfo>;
  modelsLoaded: boolean;
  loadModels(): Promise<void>;
  applyModelChanged(e: { id: string; model: ModelInfo | null }): void;
}

export const createModelsSlice: StateCreator<Store, [], [], ModelsSlice> = (set, get) => ({
  modelsById: {},
  modelsLoaded: false,
  async loadModels() {
    try {
      const list = await api.call('models.list', {});
      set({ modelsById: Object.fromEntries(list.map((m) => [m.id, m])), modelsLoaded: true });
    } catch {
      // Keep the last known list; a reconnect retries.
    }
  },
  applyModelChanged({ id, model }) {
    const next = { ...get().modelsById };
    if (model) next[id] = model;
    else delete next[id];
    set({ modelsById: next });
  },
});
