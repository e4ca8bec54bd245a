import path from 'node:path';
import type { z } from 'zod';
import type { LoadSettings } from '../../shared/contract/index.js';
import type { ModelHost } from '../chat/model-host.js';
import type { ModelRef } from '../chat/model-host-protocol.js';
import type { StructuredAnswer } from '../chat/structured-generation.js';
import { TRUNCATED, UNPARSEABLE, toReply } from './json-reply.js';
import type { StructuredRequest, Teacher, TeacherInfo, TeacherReply } from './teacher.js';

/** Sequences a teacher asks for when it loads its model (chat's default is 4). */
export const TEACHER_SEQUENCES = 8;

export interface LocalTeacherOptions {
  host: ModelHost;
  model: ModelRef;
  /** Load settings; `sequences` defaults to 8 (answers decoded together). */
  settings?: LoadSettings;
  /** The library id or path the user named (for `info.source`). */
  source?: string;
}

/**
 * A teacher (or judge) on a GGUF in the model host: several sequences of one context decode
 * together, every answer constrained by a grammar made from the JSON schema, then checked by
 * node-llama-cpp's schema validation and the caller's zod schema.
 */
export class LocalTeacher implements Teacher {
  private readonly settings: LoadSettings;
  private ownsLoad = false;

  private constructor(
    private readonly host: ModelHost,
    private readonly model: ModelRef,
    settings: LoadSettings,
    readonly info: TeacherInfo,
  ) {
    this.settings = settings;
  }

  /** Loads the model (a clear MODEL_INVALID / OUT_OF_MEMORY error when it cannot be). */
  static async open(opts: LocalTeacherOptions, signal?: AbortSignal): Promise<LocalTeacher> {
    const settings: LoadSettings = { ...opts.settings, sequences: opts.settings?.sequences ?? TEACHER_SEQUENCES };
    const wasLoaded = opts.host.status().loaded.some((m) => m.path === opts.model.path);
    const loaded = await opts.host.load(opts.model, settings, signal);
    const teacher = new LocalTeacher(opts.host, opts.model, settings, {
      kind: 'local',
      source: opts.source ?? opts.model.modelId ?? opts.model.path,
      model: path.basename(opts.model.path),
      // A model already loaded (by chat) keeps its own number of sequences.
      concurrency: loaded.sequences,
    });
    teacher.ownsLoad = !wasLoaded;
    return teacher;
  }

  async complete<T>(req: StructuredRequest<T>, signal?: AbortSignal) {
    const r = await this.host.structured(
      {
        model: this.model,
        settings: this.settings,
        messages: req.messages,
        jsonSchema: req.jsonSchema,
        sampling: { maxTokens: req.maxTokens, temperature: req.temperature, seed: req.seed },
        n: req.n ?? 1,
      },
      signal,
    );
    return {
      replies: r.answers.map((a) => answerReply(a, req.schema)),
      usage: { promptTokens: r.promptTokens * r.answers.length, completionTokens: r.completionTokens },
      ms: r.genMs + r.loadMs,
    };
  }

  async text(req: Omit<StructuredRequest<never>, 'jsonSchema' | 'schema' | 'schemaName'>, signal?: AbortSignal) {
    const r = await this.host.structured(
      {
        model: this.model,
        settings: this.settings,
        messages: req.messages,
        jsonSchema: null,
        sampling: { maxTokens: req.maxTokens, temperature: req.temperature, seed: req.seed },
        n: req.n ?? 1,
      },
      signal,
    );
    return {
      texts: r.answers.map((a) => a.text),
      usage: { promptTokens: r.promptTokens * r.answers.length, completionTokens: r.completionTokens },
      ms: r.genMs + r.loadMs,
    };
  }

  async countTokens(text: string, signal?: AbortSignal): Promise<{ tokens: number; exact: boolean }> {
    return {
      tokens: await this.host.tokenize({ model: this.model, settings: this.settings, text }, signal),
      exact: true,
    };
  }

  /** Unloads the model if this teacher loaded it (a model chat had loaded stays). */
  async dispose(): Promise<void> {
    if (this.ownsLoad) {
      this.ownsLoad = false;
      await this.host.unload(this.model.path).catch(() => undefined);
    }
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.dispose();
  }
}

function answerReply<T>(a: StructuredAnswer, schema: z.ZodType<T>): TeacherReply<T> {
  if (a.error !== null)
    return { ok: false, reason: a.stopReason === 'maxTokens' ? TRUNCATED : UNPARSEABLE, raw: a.text, detail: a.error };
  return toReply(a.text, schema, { truncated: a.stopReason === 'maxTokens' });
}
