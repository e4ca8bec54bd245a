import { z } from 'zod';
import { AppError, isCancellation } from '../../shared/errors.js';
import type { Teacher, TeacherMessage } from '../teacher/teacher.js';

/** A judged answer: a score, or an error saying why there is none (never a 0 standing in for one). */
export interface Verdict {
  score: number | null;
  correct: boolean | null;
  reason: string | null;
  error: string | null;
}

const SYSTEM =
  'You are a strict, fair judge of answers. Compare the answer with the reference answer and reply only with JSON.';

const scoreJsonSchema = {
  type: 'object',
  properties: { reason: { type: 'string' }, score: { type: 'integer', minimum: 1, maximum: 10 } },
  required: ['reason', 'score'],
  additionalProperties: false,
};
// Loose on purpose: the range is checked here, so an out-of-range score gets its own message.
const scoreSchema = z.object({ reason: z.string(), score: z.number() });

const recallJsonSchema = {
  type: 'object',
  properties: { reason: { type: 'string' }, correct: { type: 'boolean' } },
  required: ['reason', 'correct'],
  additionalProperties: false,
};
const recallSchema = z.object({ reason: z.string(), correct: z.boolean() });

export function scorePrompt(q: { question: string; reference: string; answer: string }): string {
  return (
    `[Question]\n${q.question}\n\n[Reference answer]\n${q.reference}\n\n[Answer to judge]\n${q.answer}\n\n` +
    'Rate how well the answer matches the reference in correctness and helpfulness on a scale of 1 to 10 ' +
    '(10 = as good as the reference). Reply with JSON: {"reason": "<one or two sentences>", "score": <integer 1-10>}.'
  );
}

export function recallPrompt(q: { question: string; reference: string; answer: string }): string {
  return (
    `[Question]\n${q.question}\n\n[Reference answer]\n${q.reference}\n\n[Answer to judge]\n${q.answer}\n\n` +
    'Does the answer state the same fact as the reference answer? Extra words are fine; a wrong or missing fact is not. ' +
    'Reply with JSON: {"reason": "<one sentence>", "correct": true|false}.'
  );
}

/** MT-Bench's `[[N]]` rating in free text (prometheus-style judges write it). */
const bracketScore = (raw: string | null): number | null => {
  const m = raw?.match(/\[\[(\d+(?:\.\d+)?)\]\]/);
  return m ? Number(m[1]) : null;
};

/**
 * Asks the judge through the one Teacher interface, keeping it for a whole evaluation (and a
 * whole run). A reply off format or out of range is retried once (telling the judge what was
 * wrong) and then recorded as an error. When the judge itself fails (unreachable, wrong key), the
 * remaining questions are errors with that reason, without asking again.
 */
export class Judge {
  private broken: string | null = null;
  calls = 0;

  constructor(readonly teacher: Teacher) {}

  get info(): Teacher['info'] {
    return this.teacher.info;
  }

  /** Why the judge stopped answering, if it did. */
  get failure(): string | null {
    return this.broken;
  }

  async score(q: { question: string; reference: string; answer: string }, signal?: AbortSignal): Promise<Verdict> {
    return this.ask(scorePrompt(q), 'judge_score', scoreJsonSchema, scoreSchema, signal, (v, raw) => {
      const s = v ? v.score : bracketScore(raw);
      if (s === null) return null;
      if (!Number.isInteger(s) || s < 1 || s > 10) return { bad: `score ${s} is outside the integers 1-10` };
      return { score: s, correct: null, reason: v?.reason ?? raw };
    });
  }

  async recall(q: { question: string; reference: string; answer: string }, signal?: AbortSignal): Promise<Verdict> {
    return this.ask(recallPrompt(q), 'judge_recall', recallJsonSchema, recallSchema, signal, (v) =>
      v ? { score: v.correct ? 1 : 0, correct: v.correct, reason: v.reason } : null,
    );
  }

  private async ask<T>(
    prompt: string,
    schemaName: string,
    jsonSchema: Record<string, unknown>,
    schema: z.ZodType<T>,
    signal: AbortSignal | undefined,
    read: (
      value: T | null,
      raw: string | null,
    ) => { score: number; correct: boolean | null; reason: string | null } | { bad: string } | null,
  ): Promise<Verdict> {
    if (this.broken) return { score: null, correct: null, reason: null, error: `judge unavailable: ${this.broken}` };
    const messages: TeacherMessage[] = [
      { role: 'system', content: SYSTEM },
      { role: 'user', content: prompt },
    ];
    let lastProblem = '';
    for (let attempt = 0; attempt < 2; attempt++) {
      const msgs: TeacherMessage[] =
        attempt === 0
          ? messages
          : [
              ...messages,
              {
                role: 'user',
                content: `Your previous reply could not be used (${lastProblem}). Reply again with the JSON only.`,
              },
            ];
      let reply;
      try {
        this.calls++;
        reply = (
          await this.teacher.complete(
            { messages: msgs, jsonSchema, schema, schemaName, maxTokens: 512, temperature: 0 },
            signal,
          )
        ).replies[0];
      } catch (err) {
        if (isCancellation(err) || signal?.aborted) throw new AppError('CANCELLED', 'Cancelled');
        this.broken = err instanceof Error ? err.message : String(err);
        return { score: null, correct: null, reason: null, error: `judge unavailable: ${this.broken}` };
      }
      const got = read(reply?.ok ? reply.value : null, reply?.raw ?? null);
      if (got && !('bad' in got)) return { ...got, error: null };
      const raw = (reply?.raw ?? '').slice(0, 120);
      lastProblem = got ? got.bad : `${reply && !reply.ok ? reply.reason : 'no reply'}${raw ? `: "${raw}"` : ''}`;
    }
    return { score: null, correct: null, reason: null, error: `judge reply unusable after a retry: ${lastProblem}` };
  }
}

/** Runs `fn` over `xs` with at most `limit` at once, results in order. */
export async function mapLimit<T, R>(xs: T[], limit: number, fn: (x: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(xs.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < xs.length) {
      const i = next++;
      out[i] = await fn(xs[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, xs.length)) }, worker));
  return out;
}
