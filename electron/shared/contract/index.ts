import { appContract } from './app.js';
import { chatContract } from './chat.js';
import { chatCheckpointContract } from './chat-checkpoint.js';
import type { EventDef, RpcDef, StreamDef } from './define.js';
import { diagnosticsContract } from './diagnostics.js';
import { endpointContract } from './endpoint.js';
import { evalContract } from './eval.js';
import { exportContract } from './export.js';
import { fitContract } from './fit.js';
import { hardwareContract } from './hardware.js';
import { jobKindsContract } from './job-kinds.js';
import { jobsContract } from './jobs.js';
import { modelsContract } from './models.js';
import { pipelineContract } from './pipeline.js';
import { pythonContract } from './python.js';
import { sdgContract } from './sdg.js';
import { systemContract } from './system.js';
import { taxonomyContract } from './taxonomy.js';
import { trainingContract } from './training.js';
import type { z } from 'zod';

/** Every endpoint of the LabForge API, by wire name (`domain.verb`). */
export const contract = {
  ...appContract,
  ...jobsContract,
  ...jobKindsContract,
  ...systemContract,
  ...hardwareContract,
  ...fitContract,
  ...trainingContract,
  ...taxonomyContract,
  ...pythonContract,
  ...exportContract,
  ...modelsContract,
  ...chatContract,
  ...chatCheckpointContract,
  ...endpointContract,
  ...evalContract,
  ...sdgContract,
  ...pipelineContract,
  ...diagnosticsContract,
} as const;

export type Contract = typeof contract;
type Keys<K> = { [N in keyof Contract]: Contract[N] extends K ? N : never }[keyof Contract];
export type RpcName = Keys<RpcDef>;
export type StreamName = Keys<StreamDef>;
export type EventName = Keys<EventDef>;

export type RpcParams<N extends RpcName> = z.input<Contract[N]['params']>;
export type RpcParsedParams<N extends RpcName> = z.output<Contract[N]['params']>;
export type RpcResult<N extends RpcName> = z.output<Contract[N]['result']>;
export type StreamParams<N extends StreamName> = z.input<Contract[N]['params']>;
export type StreamParsedParams<N extends StreamName> = z.output<Contract[N]['params']>;
export type StreamPacket<N extends StreamName> = z.output<Contract[N]['packet']>;
export type EventPayload<N extends EventName> = z.output<Contract[N]['payload']>;

export * from './app.js';
export * from './chat.js';
export * from './chat-checkpoint.js';
export * from './endpoint.js';
export * from './eval.js';
export * from './models.js';
export * from './define.js';
export * from './diagnostics.js';
export * from './export.js';
export * from './fit.js';
export * from './hardware.js';
export * from './hardware-probes.js';
export * from './jobs.js';
export * from './job-kinds.js';
export * from './pipeline.js';
export * from './python.js';
export * from './sdg.js';
export * from './system.js';
export * from './taxonomy.js';
export * from './training.js';
