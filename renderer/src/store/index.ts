import { create } from 'zustand';
import { createConnectionSlice, type ConnectionSlice } from './connection-slice';
import { createJobsSlice, type JobsSlice } from './jobs-slice';
import { createModelsSlice, type ModelsSlice } from './models-slice';
import { createSdgSlice, type SdgSlice } from './sdg-slice';
import { createSystemSlice, type SystemSlice } from './system-slice';
import { createTrainingSlice, type TrainingSlice } from './training-slice';

/** The one renderer store, composed of feature slices (STYLE.md rule 15). */
export type Store = JobsSlice & ModelsSlice & SystemSlice & ConnectionSlice & TrainingSlice & SdgSlice;

export const useStore = create<Store>()((...a) => ({
  ...createJobsSlice(...a),
  ...createModelsSlice(...a),
  ...createSystemSlice(...a),
  ...createConnectionSlice(...a),
  ...createTrainingSlice(...a),
  ...createSdgSlice(...a),
}));
