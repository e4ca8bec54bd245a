import os from 'node:os';
import { resolveChatWrapper, type ChatWrapper, type Llama, type LlamaContext, type LlamaModel } from 'node-llama-cpp';
import type { LoadedModelInfo, LoadSettings } from '../../shared/contract/index.js';
import { AppError } from '../../shared/errors.js';
import { inspectGguf } from '../models/gguf-file.js';
import type { ModelRef } from './model-host-protocol.js';
import { SequencePool } from './sequence-pool.js';

/** `auto` context: as large as fits, up to the training size, but no more than this per sequence. */
const AUTO_MAX_CONTEXT = 8192;

/** A model loaded in the host: its context, chat template, sequences and what the UI shows of it. */
export interface Loaded {
  model: LlamaModel;
  context: LlamaContext;
  wrapper: ChatWrapper;
  pool: SequencePool;
  info: LoadedModelInfo;
}

const gb = (n: number): string => `${(n / 2 ** 30).toFixed(n < 2 ** 30 ? 2 : 1)} GiB`;

/**
 * Loads a GGUF (header-checked first) and creates its context: GPU layers and context size fitted
 * by node-llama-cpp unless given; an explicit context is checked against free memory first.
 */
export async function loadModel(
  getLlama: () => Promise<Llama>,
  ref: ModelRef,
  settings: LoadSettings,
  defaults: { threads: number; sequences: number },
): Promise<Loaded> {
  const t0 = performance.now();
  const { summary } = await inspectGguf(ref.path);
  const llama = await getLlama();
  const model = await llama
    .loadModel({ modelPath: ref.path, gpuLayers: settings.gpuLayers ?? 'auto' })
    .catch((err: unknown) => {
      throw memoryError(err, `Loading ${ref.name} failed`);
    });
  try {
    const sequences = settings.sequences ?? defaults.sequences;
    const threads = settings.threads ?? defaults.threads;
    const requested = settings.contextSize ?? 'auto';
    if (typeof requested === 'number') await checkContextFits(llama, model, requested, sequences, ref.name);
    const context = await model
      .createContext({
        contextSize: requested === 'auto' ? { max: AUTO_MAX_CONTEXT } : requested,
        sequences,
        threads,
        ...(settings.flashAttention === undefined ? {} : { flashAttention: settings.flashAttention }),
      })
      .catch((err: unknown) => {
        throw memoryError(
          err,
          `Creating a ${requested === 'auto' ? '' : `${requested}-token `}context for ${ref.name} failed`,
        );
      });
    const wrapper = resolveChatWrapper(model);
    return {
      model,
      context,
      wrapper,
      pool: new SequencePool(context),
      info: {
        modelId: ref.modelId,
        name: ref.name,
        path: ref.path,
        contextSize: context.contextSize,
        trainContextSize: model.trainContextSize,
        gpuLayers: model.gpuLayers,
        totalLayers: model.fileInsights.totalLayers,
        gpu: llama.gpu === false ? null : llama.gpu,
        threads: context.idealThreads,
        sequences,
        ...(typeof context.flashAttention === 'boolean' ? { flashAttention: context.flashAttention } : {}),
        chatTemplate: summary.hasChatTemplate
          ? wrapper.wrapperName
          : `${wrapper.wrapperName} (no template in the file)`,
        loadMs: Math.round(performance.now() - t0),
      },
    };
  } catch (err) {
    await model.dispose();
    throw err;
  }
}

/** An explicit context size is checked against free memory first, so it fails fast and clearly. */
async function checkContextFits(
  llama: Llama,
  model: LlamaModel,
  contextSize: number,
  sequences: number,
  name: string,
): Promise<void> {
  const need = model.fileInsights.estimateContextResourceRequirements({
    contextSize,
    sequences,
    modelGpuLayers: model.gpuLayers,
  });
  const freeRam = os.freemem();
  const freeVram = llama.gpu === false ? Infinity : (await llama.getVramState()).free;
  if (need.cpuRam > freeRam || need.gpuVram > freeVram) {
    const [what, needed, free] =
      need.gpuVram > freeVram ? ['GPU memory', need.gpuVram, freeVram] : ['memory', need.cpuRam, freeRam];
    throw new AppError(
      'OUT_OF_MEMORY',
      `A ${contextSize.toLocaleString('en')}-token context for ${name} needs about ${gb(needed)} of ${what}; ${gb(free)} is free.`,
      {
        hint: 'Choose a smaller context size, or "auto" to fit it to this machine.',
        details: { contextSize, needed, free },
      },
    );
  }
}

function memoryError(err: unknown, what: string): unknown {
  if (err instanceof AppError) return err;
  const msg = err instanceof Error ? err.message : String(err);
  if (/memory|alloc|VRAM|too large/i.test(msg))
    return new AppError('OUT_OF_MEMORY', `${what}: not enough memory (${msg})`, {
      hint: 'Choose a smaller context size, fewer GPU layers, or a smaller (more quantized) model.',
      cause: err,
    });
  return new AppError('MODEL_INVALID', `${what}: ${msg}`, { cause: err });
}
