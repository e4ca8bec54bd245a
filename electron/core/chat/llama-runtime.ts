import os from 'node:os';
import {
  getLlama,
  LlamaChat,
  LlamaCompletion,
  LlamaLogLevel,
  resolveChatWrapper,
  type ChatHistoryItem,
  type ChatWrapper,
  type Llama,
  type LlamaContext,
  type LlamaContextSequence,
  type LlamaModel,
} from 'node-llama-cpp';
import type { ChatTurn, LoadedModelInfo, LoadSettings, Sampling } from '../../shared/contract/index.js';
import { AppError } from '../../shared/errors.js';
import { scoreOptions, type LoglikItem, type LoglikResult } from '../eval/gguf-loglik.js';
import { inspectGguf } from '../models/gguf-file.js';
import type { GenerationResult, HostStopReason, ModelRef } from './model-host-protocol.js';
import { SequencePool } from './sequence-pool.js';
import { grammarForFormat, type ResponseFormat } from './response-format.js';
import { generateStructured, type StructuredRequest, type StructuredResult } from './structured-generation.js';

/** `auto` context: as large as fits, up to the training size, but no more than this per sequence. */
const AUTO_MAX_CONTEXT = 8192;
const DEFAULT_MAX_TOKENS = 2048;

interface Loaded {
  model: LlamaModel;
  context: LlamaContext;
  wrapper: ChatWrapper;
  pool: SequencePool;
  info: LoadedModelInfo;
}

export interface RuntimeOptions {
  threads: number;
  sequences: number;
  gpu: 'auto' | false;
  log(line: string): void;
}

export type OnText = (text: string) => void;

const gb = (n: number): string => `${(n / 2 ** 30).toFixed(n < 2 ** 30 ? 2 : 1)} GiB`;

/** node-llama-cpp inside the model host process: loaded models and generation. */
export class LlamaRuntime {
  private llama: Promise<Llama> | null = null;
  private readonly models = new Map<string, Promise<Loaded>>();

  constructor(private readonly opts: RuntimeOptions) {}

  list(): Promise<LoadedModelInfo[]> {
    return Promise.all([...this.models.values()].map((p) => p.then((l) => l.info).catch(() => null))).then((l) =>
      l.filter((x): x is LoadedModelInfo => x !== null),
    );
  }

  /** Loads a model once; concurrent callers share the load. Returns how long this call waited for it. */
  async load(ref: ModelRef, settings: LoadSettings): Promise<{ loaded: Loaded; loadMs: number }> {
    const t0 = performance.now();
    let p = this.models.get(ref.path);
    if (!p) {
      p = this.doLoad(ref, settings);
      this.models.set(ref.path, p);
      p.catch(() => this.models.delete(ref.path));
    }
    const loaded = await p;
    return { loaded, loadMs: Math.round(performance.now() - t0) };
  }

  async unload(path: string): Promise<void> {
    const p = this.models.get(path);
    this.models.delete(path);
    const l = await p?.catch(() => null);
    if (l) {
      await l.context.dispose();
      await l.model.dispose();
    }
  }

  private getLlama(): Promise<Llama> {
    this.llama ??= getLlama({
      build: 'never',
      gpu: this.opts.gpu,
      maxThreads: this.opts.threads,
      logLevel: LlamaLogLevel.warn,
      logger: (_level, message) => this.opts.log(message.trimEnd()),
    });
    return this.llama;
  }

  private async doLoad(ref: ModelRef, settings: LoadSettings): Promise<Loaded> {
    const t0 = performance.now();
    const { summary } = await inspectGguf(ref.path);
    const llama = await this.getLlama();
    const model = await llama
      .loadModel({ modelPath: ref.path, gpuLayers: settings.gpuLayers ?? 'auto' })
      .catch((err: unknown) => {
        throw this.memoryError(err, `Loading ${ref.name} failed`);
      });
    try {
      const sequences = settings.sequences ?? this.opts.sequences;
      const requested = settings.contextSize ?? 'auto';
      if (typeof requested === 'number') await this.checkContextFits(llama, model, requested, sequences, ref.name);
      const context = await model
        .createContext({
          contextSize: requested === 'auto' ? { max: AUTO_MAX_CONTEXT } : requested,
          sequences,
          threads: this.opts.threads,
        })
        .catch((err: unknown) => {
          throw this.memoryError(
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
          threads: this.opts.threads,
          sequences,
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
  private async checkContextFits(
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

  private memoryError(err: unknown, what: string): unknown {
    if (err instanceof AppError) return err;
    const msg = err instanceof Error ? err.message : String(err);
    if (/memory|alloc|VRAM|too large/i.test(msg))
      return new AppError('OUT_OF_MEMORY', `${what}: not enough memory (${msg})`, {
        hint: 'Choose a smaller context size, fewer GPU layers, or a smaller (more quantized) model.',
        cause: err,
      });
    return new AppError('MODEL_INVALID', `${what}: ${msg}`, { cause: err });
  }

  async chat(
    req: {
      model: ModelRef;
      settings: LoadSettings;
      messages: ChatTurn[];
      sampling: Sampling;
      cacheKey?: string;
      responseFormat?: ResponseFormat;
    },
    signal: AbortSignal,
    onText: OnText,
  ): Promise<GenerationResult> {
    const { loaded, loadMs } = await this.load(req.model, req.settings);
    const grammar = req.responseFormat ? await grammarForFormat(await this.getLlama(), req.responseFormat) : undefined;
    const history = toHistory(req.messages);
    const promptTokens = this.countPrompt(loaded, history);
    const lastTurn = [...history.filter((h) => h.type === 'system').slice(0, 1), ...history.slice(-2)];
    const minimum = history.length > lastTurn.length ? this.countPrompt(loaded, lastTurn) : promptTokens;
    if (minimum >= loaded.info.contextSize) throw tooLong(minimum, loaded.info.contextSize);
    return this.generate(
      loaded,
      loadMs,
      promptTokens,
      req.cacheKey,
      signal,
      async (seq, s, onChunk) => {
        const chat = new LlamaChat({ contextSequence: seq, chatWrapper: loaded.wrapper });
        try {
          const r = await chat.generateResponse(history, {
            ...s,
            ...(grammar ? { grammar } : {}),
            onToken: onChunk.tokens,
            onTextChunk: onChunk.text,
          });
          return { text: r.response, reason: r.metadata.stopReason };
        } finally {
          chat.dispose({ disposeSequence: false });
        }
      },
      req.sampling,
      onText,
    );
  }

  async complete(
    req: { model: ModelRef; settings: LoadSettings; prompt: string; sampling: Sampling; cacheKey?: string },
    signal: AbortSignal,
    onText: OnText,
  ): Promise<GenerationResult> {
    const { loaded, loadMs } = await this.load(req.model, req.settings);
    const promptTokens = loaded.model.tokenize(req.prompt).length + 1;
    if (promptTokens >= loaded.info.contextSize) throw tooLong(promptTokens, loaded.info.contextSize);
    return this.generate(
      loaded,
      loadMs,
      promptTokens,
      req.cacheKey,
      signal,
      async (seq, s, onChunk) => {
        const completion = new LlamaCompletion({ contextSequence: seq });
        try {
          const r = await completion.generateCompletionWithMeta(req.prompt, {
            ...s,
            onToken: onChunk.tokens,
            onTextChunk: onChunk.text,
          });
          return { text: r.response, reason: r.metadata.stopReason };
        } finally {
          completion.dispose({ disposeSequence: false });
        }
      },
      req.sampling,
      onText,
    );
  }

  /** `n` schema-constrained (or free) answers, decoded together on the context's sequences (structured-generation.ts). */
  async structured(
    req: StructuredRequest & { model: ModelRef; settings: LoadSettings },
    signal: AbortSignal,
  ): Promise<StructuredResult> {
    const { loaded, loadMs } = await this.load(req.model, req.settings);
    const llama = await this.getLlama();
    const { model, wrapper, pool } = loaded;
    return generateStructured(
      { llama, model, wrapper, pool, contextSize: loaded.info.contextSize },
      req,
      signal,
      loadMs,
    );
  }

  /** Log-likelihoods of multiple-choice options (evaluating a GGUF model; eval/gguf-loglik.ts). */
  async loglik(
    req: { model: ModelRef; settings: LoadSettings; items: LoglikItem[] },
    signal: AbortSignal,
  ): Promise<LoglikResult> {
    const { loaded } = await this.load(req.model, req.settings);
    const { model, wrapper, pool } = loaded;
    return scoreOptions({ model, wrapper, acquire: (s) => pool.acquire(undefined, s) }, req.items, signal);
  }

  /** Exact token count of `text` under the model's tokenizer (no special tokens added). */
  async tokenize(req: { model: ModelRef; settings: LoadSettings; text: string }): Promise<number> {
    const { loaded } = await this.load(req.model, req.settings);
    return loaded.model.tokenize(req.text).length;
  }

  private countPrompt(loaded: Loaded, history: ChatHistoryItem[]): number {
    const { contextText } = loaded.wrapper.generateContextState({ chatHistory: history });
    return contextText.tokenize(loaded.model.tokenizer).length;
  }

  private async generate(
    loaded: Loaded,
    loadMs: number,
    promptTokens: number,
    cacheKey: string | undefined,
    signal: AbortSignal,
    run: (
      seq: LlamaContextSequence,
      sampling: SamplingOptions,
      onChunk: { text: (t: string) => void; tokens: (t: readonly unknown[]) => void },
    ) => Promise<{ text: string; reason: string }>,
    sampling: Sampling,
    onText: OnText,
  ): Promise<GenerationResult> {
    const { seq, release } = await loaded.pool.acquire(cacheKey, signal);
    const t0 = performance.now();
    // Completion tokens are what the model sampled on this sequence (node-llama-cpp's token meter),
    // the same number whether the answer is streamed or not and whatever text was held back.
    const sampled0 = seq.tokenMeter.usedOutputTokens;
    let first = 0;
    let partial = '';
    try {
      const r = await run(seq, toSamplingOptions(sampling, signal), {
        text: (t) => {
          if (!first) first = performance.now();
          partial += t;
          onText(t);
        },
        tokens: () => {
          if (!first) first = performance.now();
        },
      }).catch((err: unknown) => {
        if (signal.aborted) return { text: partial, reason: 'abort' };
        throw err;
      });
      const end = performance.now();
      const reason: HostStopReason =
        signal.aborted || r.reason === 'abort' ? 'stopped' : r.reason === 'maxTokens' ? 'maxTokens' : 'eos';
      return {
        text: r.text,
        stopReason: reason,
        promptTokens,
        completionTokens: seq.tokenMeter.usedOutputTokens - sampled0,
        ttftMs: Math.round((first || end) - t0),
        genMs: Math.max(0, end - (first || end)),
        loadMs,
        loaded: loaded.info,
      };
    } finally {
      release();
    }
  }

  async dispose(): Promise<void> {
    for (const path of [...this.models.keys()]) await this.unload(path);
    const llama = await this.llama?.catch(() => null);
    await llama?.dispose();
  }
}

type SamplingOptions = {
  signal: AbortSignal;
  stopOnAbortSignal: true;
  maxTokens: number;
  temperature: number;
  topK?: number;
  topP?: number;
  seed?: number;
  repeatPenalty?: { penalty: number };
};

function toSamplingOptions(s: Sampling, signal: AbortSignal): SamplingOptions {
  return {
    signal,
    stopOnAbortSignal: true,
    maxTokens: s.maxTokens ?? DEFAULT_MAX_TOKENS,
    temperature: s.temperature ?? 0.8,
    topK: s.topK ?? 40,
    topP: s.topP ?? 0.95,
    seed: s.seed,
    repeatPenalty: s.repeatPenalty === undefined ? undefined : { penalty: s.repeatPenalty },
  };
}

function toHistory(turns: ChatTurn[]): ChatHistoryItem[] {
  const history: ChatHistoryItem[] = turns.map((t) =>
    t.role === 'system'
      ? { type: 'system', text: t.content }
      : t.role === 'user'
        ? { type: 'user', text: t.content }
        : { type: 'model', response: [t.content] },
  );
  history.push({ type: 'model', response: [] });
  return history;
}

function tooLong(tokens: number, contextSize: number): AppError {
  return new AppError(
    'PROMPT_TOO_LONG',
    `The prompt is ${tokens} tokens, but the model's context holds ${contextSize}.`,
    {
      hint: 'Shorten the message or the system prompt, or load the model with a larger context size.',
      details: { tokens, contextSize },
    },
  );
}
