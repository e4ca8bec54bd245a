import type { ChatTurn, LoadedModelInfo, LoadSettings, Sampling } from '../../shared/contract/index.js';
import type { ErrorInfo } from '../../shared/errors.js';
import type { LoglikItem } from '../eval/gguf-loglik.js';
import type { ResponseFormat } from './response-format.js';
import type { StructuredRequest } from './structured-generation.js';

/**
 * Messages between the app and the model host child process (over the fork IPC channel). The
 * host is ours and versioned with the app, so the messages are typed, not validated.
 */

/** What the host needs to know to load a model; `name`/`modelId` are only echoed back in status. */
export interface ModelRef {
  path: string;
  name: string;
  modelId: string | null;
}

export type HostRequest =
  | { type: 'load'; id: number; model: ModelRef; settings: LoadSettings }
  | { type: 'unload'; id: number; path: string }
  | {
      type: 'chat';
      id: number;
      model: ModelRef;
      settings: LoadSettings;
      messages: ChatTurn[];
      sampling: Sampling;
      /** Requests with the same key prefer the same sequence, so the shared prefix is not evaluated again. */
      cacheKey?: string;
      /** Constrains the answer to JSON (OpenAI `response_format`). */
      responseFormat?: ResponseFormat;
    }
  | {
      type: 'complete';
      id: number;
      model: ModelRef;
      settings: LoadSettings;
      prompt: string;
      sampling: Sampling;
      cacheKey?: string;
    }
  | ({ type: 'structured'; id: number; model: ModelRef; settings: LoadSettings } & StructuredRequest)
  | { type: 'tokenize'; id: number; model: ModelRef; settings: LoadSettings; text: string }
  | { type: 'loglik'; id: number; model: ModelRef; settings: LoadSettings; items: LoglikItem[] }
  | { type: 'embed'; id: number; model: ModelRef; settings: LoadSettings; inputs: EmbedInput[] }
  | { type: 'cancel'; id: number };

/** What `embed` turns into a vector: text, or token ids of the model's vocabulary. */
export type EmbedInput = string | number[];

export interface EmbedResult {
  /** One unit-length (L2-normalised) vector per input, in order. */
  vectors: number[][];
  /** Tokens evaluated, all inputs together (with the BOS/EOS the model adds). */
  promptTokens: number;
  /** How the model pools its hidden states into one vector (`last` token for a plain decoder). */
  pooling: string;
}

/** Why a generation ended. */
export type HostStopReason = 'eos' | 'maxTokens' | 'stopped';

export interface GenerationResult {
  text: string;
  stopReason: HostStopReason;
  promptTokens: number;
  completionTokens: number;
  ttftMs: number;
  genMs: number;
  /** Time spent loading the model for this request (0 when it was loaded already). */
  loadMs: number;
  loaded: LoadedModelInfo;
}

export type HostMessage =
  | { type: 'ready'; pid: number }
  | { type: 'result'; id: number; value: unknown }
  | { type: 'error'; id: number; error: ErrorInfo }
  | { type: 'text'; id: number; text: string }
  | { type: 'loaded'; models: LoadedModelInfo[] };

/** Passed to the child in its environment. */
export const HOST_THREADS_ENV = 'LABFORGE_HOST_THREADS';
export const HOST_PARALLEL_ENV = 'LABFORGE_HOST_SEQUENCES';
export const HOST_GPU_ENV = 'LABFORGE_HOST_GPU';
