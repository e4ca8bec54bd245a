import type { StateCreator } from 'zustand';
import type { HardwareInfo } from '../../../electron/shared/contract';
import { api } from '../api/connection';
import type { Store } from './index';

export interface SystemSlice {
  /** The last hardware scan, or null when none has run yet. */
  hardware: HardwareInfo | null;
  hardwareLoaded: boolean;
  loadHardware(): Promise<void>;
  applyHardwareChanged(info: HardwareInfo): void;
}

export const createSystemSlice: StateCreator<Store, [], [], SystemSlice> = (set) => ({
  hardware: null,
  hardwareLoaded: false,
  async loadHardware() {
    try {
      const hardware = await api.call('system.hardware', {});
      set({ hardware, hardwareLoaded: true });
    } catch {
      // Leave the last known value; a reconnect retries.
    }
  },
  applyHardwareChanged(info) {
    set({ hardware: info, hardwareLoaded: true });
  },
});
