import os from 'node:os';
import {
  getLlama,
  LlamaChat,
  LlamaCompletion,
  LlamaLogLevel,
  type Llama,
  type LlamaEmbeddingContext,
} from 'node-llama-cpp';
import type { ChatTurn, LoadedModelInfo, LoadSettings, Sampling } from '../../shared/contract/index.js';
import { scoreOptions, type LoglikItem, type LoglikResult } from '../eval/gguf-loglik.js';
import { countPrompt, generateOnSequence, toHistory, tooLong, type OnText } from './generation.js';
import { createEmbeddingContext, embedInputs } from './embedding.js';
import type { EmbedInput, EmbedResult, GenerationResult, ModelRef } from './model-host-protocol.js';
import { loadModel, type Loaded } from './model-loading.js';
import { grammarForFormat, type ResponseFormat } from './response-format.js';
import { generateStructured, type StructuredRequest, type StructuredResult } from './structured-generation.js';

export interface RuntimeOptions {
  threads: number;
  sequences: number;
  gpu: 'auto' | false;
  log(line: string): void;
}

/**
 * node-llama-cpp inside the model host process: the loaded models (model-loading.ts) and what is
 * asked of them — chat and completions (generation.ts), structured answers
 * (structured-generation.ts), option log-likelihoods (eval/gguf-loglik.ts) and token counts.
 */
export class LlamaRuntime {
  private llama: Promise<Llama> | null = null;
  private readonly models = new Map<string, Promise<Loaded>>();
  /** Embedding contexts, made on the first `embed` of a loaded model (by its path). */
  private readonly embedders = new Map<string, Promise<LlamaEmbeddingContext>>();

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
      p = loadModel(() => this.getLlama(), ref, settings, this.opts);
      this.models.set(ref.path, p);
      p.catch(() => this.models.delete(ref.path));
    }
    const loaded = await p;
    return { loaded, loadMs: Math.round(performance.now() - t0) };
  }

  async unload(path: string): Promise<void> {
    const p = this.models.get(path);
    this.models.delete(path);
    const e = this.embedders.get(path);
    this.embedders.delete(path);
    await (await e?.catch(() => null))?.dispose();
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
      // The default per context is `threads`; a model's load settings may ask for more, up to the CPUs.
      maxThreads: Math.max(this.opts.threads, os.availableParallelism()),
      logLevel: LlamaLogLevel.warn,
      logger: (_level, message) => this.opts.log(message.trimEnd()),
    });
    return this.llama;
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
    const promptTokens = countPrompt(loaded, history);
    const lastTurn = [...history.filter((h) => h.type === 'system').slice(0, 1), ...history.slice(-2)];
    const minimum = history.length > lastTurn.length ? countPrompt(loaded, lastTurn) : promptTokens;
    if (minimum >= loaded.info.contextSize) throw tooLong(minimum, loaded.info.contextSize);
    return generateOnSequence(
      { loaded, loadMs, promptTokens, cacheKey: req.cacheKey, sampling: req.sampling },
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
      signal,
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
    return generateOnSequence(
      { loaded, loadMs, promptTokens, cacheKey: req.cacheKey, sampling: req.sampling },
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
      signal,
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

  /** Unit-length embeddings of texts or token ids (OpenAI's `/v1/embeddings`; embedding.ts). */
  async embed(
    req: { model: ModelRef; settings: LoadSettings; inputs: EmbedInput[] },
    signal: AbortSignal,
  ): Promise<EmbedResult> {
    const { loaded } = await this.load(req.model, req.settings);
    let ctx = this.embedders.get(req.model.path);
    if (!ctx) {
      ctx = createEmbeddingContext(loaded.model, req.model.name, this.opts.threads);
      this.embedders.set(req.model.path, ctx);
      ctx.catch(() => this.embedders.delete(req.model.path));
    }
    return embedInputs(await ctx, loaded.model, req.inputs, signal);
  }

  /** Exact token count of `text` under the model's tokenizer (no special tokens added). */
  async tokenize(req: { model: ModelRef; settings: LoadSettings; text: string }): Promise<number> {
    const { loaded } = await this.load(req.model, req.settings);
    return loaded.model.tokenize(req.text).length;
  }

  async dispose(): Promise<void> {
    for (const path of [...this.models.keys()]) await this.unload(path);
    const llama = await this.llama?.catch(() => null);
    await llama?.dispose();
  }
}
