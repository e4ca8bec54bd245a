import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import type {
  ChatPacket,
  ChatTurn,
  ConversationInfo,
  GenerationStats,
  HostStatus,
  LoadedModelInfo,
  LoadSettings,
  MessageInfo,
  Sampling,
} from '../../shared/contract/index.js';
import { AppError, isCancellation, toErrorInfo } from '../../shared/errors.js';
import type { FitService } from '../fit/fit-service.js';
import type { ModelLibrary } from '../models/model-library.js';
import type { KvStore } from '../store/kv-store.js';
import type { EventBus } from '../rpc/event-bus.js';
import type { ConversationStore } from './conversation-store.js';
import type { ModelHost } from './model-host.js';
import type { GenerationResult, ModelRef } from './model-host-protocol.js';

export interface StreamCtx {
  signal: AbortSignal;
  send(packet: ChatPacket): void;
}

/** How often a streaming answer is written to the database, so a crash of the app loses little. */
const SAVE_INTERVAL_MS = 1000;
const TITLE_LENGTH = 60;

export function toStats(r: GenerationResult, model: ModelRef, sampling: Sampling, totalMs: number): GenerationStats {
  return {
    tokens: r.completionTokens,
    promptTokens: r.promptTokens,
    tokensPerSec: r.genMs > 0 ? Math.round((r.completionTokens / r.genMs) * 1000 * 10) / 10 : 0,
    ttftMs: r.ttftMs,
    loadMs: r.loadMs,
    totalMs: Math.round(totalMs),
    stopReason: r.stopReason,
    model: { id: model.modelId, name: model.name },
    settings: { contextSize: r.loaded.contextSize, gpuLayers: r.loaded.gpuLayers, threads: r.loaded.threads, sampling },
  };
}

/**
 * Chat on top of the model host: conversations with branches (edit-and-resend, regenerate),
 * streamed answers stored as they arrive, and stateless generations for compare mode and the CLI.
 */
export class ChatService {
  /** What each loaded model (by path) was loaded with, so a load with other settings reloads it. */
  private readonly loadedWith = new Map<string, LoadSettings>();

  constructor(
    private readonly store: ConversationStore,
    private readonly library: ModelLibrary,
    private readonly host: ModelHost,
    private readonly bus: EventBus,
    /** Where load settings are remembered (per model) and the estimator that checks them. */
    private readonly deps: { kv?: KvStore; fit?: FitService } = {},
  ) {
    host.onDidChange((s) => bus.emit('chat.hostChanged', s));
  }

  /** The key load settings are remembered under: the library id, or the path of a file opened by path. */
  private settingsKey(model: ModelRef): string {
    return `chat.loadSettings:${model.modelId ?? model.path}`;
  }

  /** The load settings remembered for a model (`{}`: the host's defaults). */
  loadSettingsOf(ref: string | ModelRef): { settings: LoadSettings; remembered: boolean } {
    const model = typeof ref === 'string' ? this.resolveModel(ref) : ref;
    const saved = this.deps.kv?.get<LoadSettings>(this.settingsKey(model)) ?? null;
    return { settings: saved ?? {}, remembered: saved !== null };
  }

  /** Remembers a model's load settings; they apply the next time it is loaded. */
  rememberLoadSettings(ref: string, settings: LoadSettings): { settings: LoadSettings; remembered: boolean } {
    const model = this.resolveModel(ref);
    this.deps.kv?.set(this.settingsKey(model), settings);
    return { settings, remembered: this.deps.kv !== undefined };
  }

  /**
   * Explicit sizes are checked with the fit estimator before anything is loaded, so settings that
   * do not fit this machine's memory are refused with the reason instead of crashing the host.
   */
  async checkFits(model: ModelRef, settings: LoadSettings): Promise<void> {
    const { contextSize, gpuLayers } = settings;
    const explicit = typeof contextSize === 'number' || typeof gpuLayers === 'number' || settings.sequences;
    if (!this.deps.fit || !explicit) return;
    // A file the estimator cannot read is left to the load's own checks (MODEL_INVALID, free memory).
    const r = await this.deps.fit
      .fit({
        model: model.path,
        task: 'chat',
        ...(typeof contextSize === 'number' ? { context: contextSize } : {}),
        ...(typeof gpuLayers === 'number' ? { gpuLayers } : {}),
        sequences: settings.sequences ?? this.host.defaultSequences,
        ...(settings.flashAttention ? { flashAttention: true } : {}),
      })
      .catch(() => null);
    if (!r || r.fits) return;
    const largest = r.largest.context;
    throw new AppError('OUT_OF_MEMORY', `These load settings do not fit: ${r.reason}`, {
      hint: largest
        ? `Lower the context to ${largest.toLocaleString('en')} tokens or less, use fewer GPU layers or sequences, or choose "auto".`
        : 'Lower the context, GPU layers or sequences, or choose a smaller (more quantized) model.',
      details: {
        model: model.name,
        settings,
        requiredBytes: r.requiredBytes,
        availableBytes: r.availableBytes,
        largestContext: largest,
      },
    });
  }

  /** The settings a request loads `model` with: the remembered ones, checked first when it is not loaded yet. */
  private async settingsFor(model: ModelRef): Promise<LoadSettings> {
    const loaded = this.host.status().loaded.some((l) => l.path === model.path);
    if (loaded) return this.loadedWith.get(model.path) ?? {};
    const { settings } = this.loadSettingsOf(model);
    await this.checkFits(model, settings);
    this.loadedWith.set(model.path, settings);
    return settings;
  }

  /** A library id or name, or a path to a GGUF file. */
  resolveModel(ref: string): ModelRef {
    const m = this.library.find(ref);
    if (m) {
      if (m.format !== 'gguf')
        throw new AppError('MODEL_INVALID', `${m.name} is a safetensors model; chat needs a GGUF file.`, {
          hint: 'Export it to GGUF first (labforge export).',
        });
      return { path: m.path, name: m.name, modelId: m.id };
    }
    const p = path.resolve(ref);
    if (existsSync(p) && statSync(p).isFile())
      return { path: p, name: path.basename(p).replace(/\.gguf$/i, ''), modelId: null };
    throw new AppError('MODEL_NOT_FOUND', `No model "${ref}" in the library and no such file`, {
      hint: 'Import the GGUF file first, or give its path.',
      details: { model: ref },
    });
  }

  /**
   * Loads a model with `settings` (remembered for next time) or the remembered ones; a model
   * loaded with other settings is reloaded. Settings that do not fit are refused before loading.
   */
  async load(ref: string, settings?: LoadSettings, signal?: AbortSignal): Promise<LoadedModelInfo> {
    const model = this.resolveModel(ref);
    const wanted = settings ?? this.loadSettingsOf(model).settings;
    await this.checkFits(model, wanted);
    if (settings) this.deps.kv?.set(this.settingsKey(model), settings);
    const loaded = this.host.status().loaded.find((l) => l.path === model.path);
    const changed = loaded && JSON.stringify(this.loadedWith.get(model.path) ?? {}) !== JSON.stringify(wanted);
    if (changed) await this.host.unload(model.path);
    this.loadedWith.set(model.path, wanted);
    return this.host.load(model, wanted, signal);
  }

  async unload(ref: string): Promise<HostStatus> {
    await this.host.unload(this.resolveModel(ref).path);
    return this.host.status();
  }

  status(): HostStatus {
    return this.host.status();
  }

  /** A stateless chat generation (nothing stored). */
  async generate(
    p: { model: string; messages: ChatTurn[]; sampling?: Sampling },
    ctx: StreamCtx,
  ): Promise<GenerationStats | null> {
    const model = this.resolveModel(p.model);
    const sampling = p.sampling ?? {};
    const t0 = performance.now();
    try {
      const r = await this.host.chat(
        { model, settings: await this.settingsFor(model), messages: p.messages, sampling },
        { signal: ctx.signal, onText: (text) => ctx.send({ type: 'token', text }) },
      );
      const stats = toStats(r, model, sampling, performance.now() - t0);
      ctx.send({ type: 'stats', stats, message: null });
      return stats;
    } catch (err) {
      if (isCancellation(err)) return null;
      throw err;
    }
  }

  /** Stores the user message below `parentId` (default: the leaf) and streams the answer. */
  async send(p: { conversationId: string; content: string; parentId?: string | null }, ctx: StreamCtx): Promise<void> {
    const conv = this.store.get(p.conversationId);
    const model = this.modelOf(conv);
    const parentId = p.parentId === undefined ? conv.leafId : p.parentId;
    if (parentId !== null && this.store.message(parentId).conversationId !== conv.id)
      throw new AppError('INVALID_REQUEST', 'That message belongs to another conversation');
    const user = this.store.addMessage({
      conversationId: conv.id,
      parentId,
      role: 'user',
      content: p.content,
      state: 'complete',
      modelId: null,
    });
    if (!conv.title) this.store.update(conv.id, { title: titleOf(p.content) });
    await this.answer(this.store.get(conv.id), model, user, true, ctx);
  }

  /** Another answer to the user message of `messageId` (an answer, or the user message itself). */
  async regenerate(p: { conversationId: string; messageId: string }, ctx: StreamCtx): Promise<void> {
    const conv = this.store.get(p.conversationId);
    const model = this.modelOf(conv);
    const msg = this.store.message(p.messageId);
    if (msg.conversationId !== conv.id)
      throw new AppError('INVALID_REQUEST', 'That message belongs to another conversation');
    const user = msg.role === 'user' ? msg : msg.parentId ? this.store.message(msg.parentId) : null;
    if (!user) throw new AppError('INVALID_REQUEST', 'There is no prompt above that message to answer');
    await this.answer(conv, model, user, false, ctx);
  }

  private modelOf(conv: ConversationInfo): ModelRef {
    if (!conv.modelId) throw new AppError('INVALID_REQUEST', 'Choose a model for this conversation first');
    return this.resolveModel(conv.modelId);
  }

  private async answer(
    conv: ConversationInfo,
    model: ModelRef,
    user: MessageInfo,
    newUser: boolean,
    ctx: StreamCtx,
  ): Promise<void> {
    const t0 = performance.now();
    const assistant = this.store.addMessage({
      conversationId: conv.id,
      parentId: user.id,
      role: 'assistant',
      content: '',
      state: 'streaming',
      modelId: model.modelId,
    });
    this.changed(conv.id);
    ctx.send({ type: 'started', userMessage: newUser ? user : null, assistantMessage: assistant });
    const turns: ChatTurn[] = [
      ...(conv.systemPrompt.trim() ? [{ role: 'system' as const, content: conv.systemPrompt }] : []),
      ...this.store
        .path(user.id)
        .filter((m) => m.content !== '')
        .map((m) => ({ role: m.role, content: m.content })),
    ];
    let content = '';
    let lastSave = Date.now();
    try {
      const r = await this.host.chat(
        {
          model,
          settings: await this.settingsFor(model),
          messages: turns,
          sampling: conv.sampling,
          cacheKey: conv.id,
        },
        {
          signal: ctx.signal,
          onText: (text) => {
            content += text;
            ctx.send({ type: 'token', text });
            if (Date.now() - lastSave > SAVE_INTERVAL_MS) {
              lastSave = Date.now();
              this.store.updateMessage(assistant.id, { content });
            }
          },
        },
      );
      const stats = toStats(r, model, conv.sampling, performance.now() - t0);
      const state = r.stopReason === 'stopped' ? 'stopped' : 'complete';
      const message = this.store.updateMessage(assistant.id, { content: r.text, state, stats });
      this.changed(conv.id);
      ctx.send({ type: 'stats', stats, message });
    } catch (err) {
      const stopped = isCancellation(err);
      this.store.updateMessage(assistant.id, {
        content,
        state: stopped ? 'stopped' : 'error',
        error: stopped ? null : toErrorInfo(err),
      });
      this.changed(conv.id);
      if (!stopped) throw err;
    }
  }

  private changed(conversationId: string): void {
    this.bus.emit('chat.changed', { conversationId, deleted: false });
  }
}

function titleOf(content: string): string {
  const line = content.trim().split('\n')[0] ?? '';
  return line.length > TITLE_LENGTH ? `${line.slice(0, TITLE_LENGTH - 1)}…` : line;
}
