import { create } from 'zustand';
import { createChatSlice, type ChatSlice } from './chat-slice';
import { createConnectionSlice, type ConnectionSlice } from './connection-slice';
import { createJobLogSlice, type JobLogSlice } from './job-log-slice';
import { createJobsSlice, type JobsSlice } from './jobs-slice';
import { createModelsSlice, type ModelsSlice } from './models-slice';
import { createPipelineSlice, type PipelineSlice } from './pipeline-slice';
import { createSdgSlice, type SdgSlice } from './sdg-slice';
import { createSystemSlice, type SystemSlice } from './system-slice';
import { createTaxonomySlice, type TaxonomySlice } from './taxonomy-slice';
import { createTrainingSlice, type TrainingSlice } from './training-slice';

/**
 * The one renderer store, composed of feature slices (STYLE.md rule 15). A new slice is one line in
 * each of three places: its import, its entry in `Slices`, its spread below. Slices that mirror the
 * core change only from contract events, which `sync.ts` alone subscribes to.
 */
interface Slices {
  jobs: JobsSlice;
  jobLogs: JobLogSlice;
  models: ModelsSlice;
  system: SystemSlice;
  connection: ConnectionSlice;
  training: TrainingSlice;
  sdg: SdgSlice;
  chat: ChatSlice;
  taxonomy: TaxonomySlice;
  pipeline: PipelineSlice;
}

type Intersect<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;
export type Store = Intersect<Slices[keyof Slices]>;

export const useStore = create<Store>()((...a) => ({
  ...createJobsSlice(...a),
  ...createJobLogSlice(...a),
  ...createModelsSlice(...a),
  ...createSystemSlice(...a),
  ...createConnectionSlice(...a),
  ...createTrainingSlice(...a),
  ...createSdgSlice(...a),
  ...createChatSlice(...a),
  ...createTaxonomySlice(...a),
  ...createPipelineSlice(...a),
}));
