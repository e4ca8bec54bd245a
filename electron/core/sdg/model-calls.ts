import type { z } from 'zod';
import type { Teacher, TeacherMessage, TeacherReply, TeacherResult } from '../teacher/teacher.js';
import { journalKey, type Journal } from '../util/journal.js';
import { chunkText } from './chunker.js';

/** What the run has spent on model calls so far (journal hits are counted apart: they cost nothing). */
export interface CallStats {
  calls: number;
  cachedCalls: number;
  promptTokens: number;
  completionTokens: number;
  /** Wall time of the teacher calls this run made (not journal hits). */
  ms: number;
}

export const emptyStats = (): CallStats => ({ calls: 0, cachedCalls: 0, promptTokens: 0, completionTokens: 0, ms: 0 });

interface Stored {
  replies: Array<{ ok: true; value: unknown } | { ok: false; reason: string; raw: string | null }>;
  usage: { promptTokens: number; completionTokens: number };
  ms: number;
}

export interface CompleteCall<T> {
  block: string;
  role: 'teacher' | 'judge';
  messages: TeacherMessage[];
  jsonSchema: Record<string, unknown>;
  schema: z.ZodType<T>;
  n: number;
  temperature: number;
  maxTokens: number;
}

/**
 * Model calls through the journal: an answer already in it is returned without asking the model;
 * a new answer is appended as soon as it arrives, so cancel, crash or kill -9 lose nothing.
 */
export class ModelCalls {
  readonly stats: CallStats = emptyStats();

  constructor(
    private readonly models: { teacher: Teacher; judge: Teacher },
    private readonly journal: Journal,
    private readonly signal: AbortSignal,
  ) {}

  async complete<T>(c: CompleteCall<T>): Promise<TeacherReply<T>[]> {
    const key = journalKey(['complete', c.block, c.role, c.messages, c.jsonSchema, c.n, c.temperature, c.maxTokens]);
    const hit = this.journal.get<Stored>(key);
    if (hit) {
      this.stats.cachedCalls++;
      // Re-validate: a journal written by an older flow version may no longer pass.
      return hit.replies.map((r) => {
        if (!r.ok) return { ok: false, reason: r.reason, raw: r.raw };
        const p = c.schema.safeParse(r.value);
        return p.success
          ? { ok: true, value: p.data, raw: '' }
          : { ok: false, reason: 'teacher reply unparseable', raw: JSON.stringify(r.value) };
      });
    }
    this.signal.throwIfAborted();
    const model = this.models[c.role];
    const r: TeacherResult<T> = await model.complete(
      {
        messages: c.messages,
        jsonSchema: c.jsonSchema,
        schema: c.schema,
        schemaName: c.block.replace(/[^A-Za-z0-9_-]/g, '_'),
        maxTokens: c.maxTokens,
        temperature: c.temperature,
        n: c.n,
      },
      this.signal,
    );
    this.count(r.usage, r.ms);
    await this.journal.append(key, {
      replies: r.replies.map((x) =>
        x.ok ? { ok: true, value: x.value } : { ok: false, reason: x.reason, raw: x.raw?.slice(0, 2000) ?? null },
      ),
      usage: r.usage,
      ms: r.ms,
    } satisfies Stored);
    return r.replies;
  }

  async text(c: Omit<CompleteCall<never>, 'jsonSchema' | 'schema' | 'n'>): Promise<string> {
    const key = journalKey(['text', c.block, c.role, c.messages, c.temperature, c.maxTokens]);
    const hit = this.journal.get<{ text: string }>(key);
    if (hit) {
      this.stats.cachedCalls++;
      return hit.text;
    }
    this.signal.throwIfAborted();
    const r = await this.models[c.role].text(
      { messages: c.messages, maxTokens: c.maxTokens, temperature: c.temperature },
      this.signal,
    );
    this.count(r.usage, r.ms);
    const text = r.texts[0] ?? '';
    await this.journal.append(key, { text, usage: r.usage, ms: r.ms });
    return text;
  }

  /** Chunks under the teacher's tokenizer, journaled per document (the tokenizer is a call too). */
  async chunks(text: string, maxTokens: number): Promise<string[]> {
    const key = journalKey(['chunk', text, maxTokens]);
    const hit = this.journal.get<{ chunks: string[] }>(key);
    if (hit) return hit.chunks;
    const chunks = await chunkText(text, maxTokens, async (t) => {
      this.signal.throwIfAborted();
      return (await this.models.teacher.countTokens(t, this.signal)).tokens;
    });
    await this.journal.append(key, { chunks });
    return chunks;
  }

  private count(usage: { promptTokens: number; completionTokens: number }, ms: number): void {
    this.stats.calls++;
    this.stats.promptTokens += usage.promptTokens;
    this.stats.completionTokens += usage.completionTokens;
    this.stats.ms += ms;
  }
}
