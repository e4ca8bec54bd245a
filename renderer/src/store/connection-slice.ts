import type { StateCreator } from 'zustand';
import { connection, type ConnectionState } from '../api/connection';
import type { Store } from './index';

export interface ConnectionSlice {
  connection: ConnectionState;
  setConnection(state: ConnectionState): void;
}

export const createConnectionSlice: StateCreator<Store, [], [], ConnectionSlice> = (set) => ({
  // Inside Electron the IPC bridge is always there.
  connection: connection.transport === 'ipc' ? 'open' : 'connecting',
  setConnection: (state) => set({ connection: state }),
});
