import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Teacher } from '../teacher/teacher.js';
import type { EvalLeaf } from './eval-leaves.js';

/** A knowledge multiple-choice item: 4 options (A-D), exactly one correct. */
export interface McqItem {
  id: string;
  leafId: string;
  question: string;
  options: string[];
  answerIndex: number;
}

/** A free question with its reference answer (MT-Bench-branch, fact recall). */
export interface RefQuestion {
  id: string;
  leafId: string;
  /** What the model is asked (grounded skills with their context folded in). */
  prompt: string;
  reference: string;
}

export const LETTERS = ['A', 'B', 'C', 'D'] as const;

const hash = (s: string): number => createHash('sha256').update(s).digest().readUInt32BE(0);
const norm = (s: string): string =>
  s
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();

/** Deterministic order by a salted hash (the same taxonomy gives the same items). */
const shuffled = <T>(xs: T[], salt: string, key: (x: T) => string): T[] =>
  [...xs].sort((a, b) => hash(salt + key(a)) - hash(salt + key(b)));

export function knowledgeQuestions(
  leaf: EvalLeaf,
): Array<{ id: string; question: string; answer: string; context: string }> {
  const out: Array<{ id: string; question: string; answer: string; context: string }> = [];
  leaf.contexts.forEach((c, ci) =>
    c.pairs.forEach((p, pi) =>
      out.push({ id: `${leaf.leafId}#${ci}.${pi}`, question: p.question, answer: p.answer, context: c.context }),
    ),
  );
  return out;
}

const distractorSchema = z.object({ distractors: z.array(z.string()).min(1).max(6) });
const distractorJsonSchema = {
  type: 'object',
  properties: { distractors: { type: 'array', items: { type: 'string' }, minItems: 3, maxItems: 3 } },
  required: ['distractors'],
  additionalProperties: false,
};

/** Three wrong but plausible answers from the teacher; [] when it gives none usable. */
async function teacherDistractors(
  teacher: Teacher,
  q: { question: string; answer: string },
  signal?: AbortSignal,
): Promise<string[]> {
  const r = await teacher.complete(
    {
      messages: [
        {
          role: 'user',
          content:
            `Write three wrong but plausible answers to the question, each in the style and length of the correct answer.\n` +
            `Question: ${q.question}\nCorrect answer: ${q.answer}\nReply with JSON: {"distractors": [three strings]}`,
        },
      ],
      jsonSchema: distractorJsonSchema,
      schema: distractorSchema,
      schemaName: 'mcq_distractors',
      maxTokens: 512,
      temperature: 0,
    },
    signal,
  );
  const reply = r.replies[0];
  return reply?.ok ? reply.value.distractors : [];
}

/**
 * MMLU-branch items from every knowledge leaf's seed Q&A: the seed answer and three distractors,
 * from the teacher when one is given, else (and to fill up) other answers of the taxonomy, in a
 * deterministic order. An item without four distinct non-empty options is dropped (counted).
 */
export async function buildMcqs(
  leaves: EvalLeaf[],
  answerPool: string[],
  opts: { teacher?: Teacher | null; signal?: AbortSignal } = {},
): Promise<{ items: McqItem[]; dropped: Array<{ id: string; reason: string }> }> {
  const items: McqItem[] = [];
  const dropped: Array<{ id: string; reason: string }> = [];
  for (const leaf of leaves.filter((l) => l.kind === 'knowledge')) {
    for (const q of knowledgeQuestions(leaf)) {
      const fromTeacher = opts.teacher ? await teacherDistractors(opts.teacher, q, opts.signal) : [];
      const seen = new Set([norm(q.answer)]);
      const distractors: string[] = [];
      const candidates = [...fromTeacher, ...shuffled(answerPool, q.id, (a) => a)];
      for (const d of candidates) {
        const n = norm(d);
        if (!n || seen.has(n) || n.includes(norm(q.answer)) || norm(q.answer).includes(n)) continue;
        seen.add(n);
        distractors.push(d.trim());
        if (distractors.length === 3) break;
      }
      if (!norm(q.answer) || distractors.length < 3) {
        dropped.push({ id: q.id, reason: `only ${distractors.length} distinct distractors (4 options needed)` });
        continue;
      }
      const answerIndex = hash(`pos:${q.id}`) % 4;
      const options = [...distractors];
      options.splice(answerIndex, 0, q.answer);
      items.push({ id: q.id, leafId: leaf.leafId, question: q.question, options, answerIndex });
    }
  }
  return { items, dropped };
}

/** The prompt of an MMLU-style item: the question, then `A) ...` to `D) ...`. */
export const mcqPrompt = (q: { question: string; options: string[] }): string =>
  `${q.question}\n${q.options.map((o, i) => `${LETTERS[i]}) ${o}`).join('\n')}`;

/** MT-Bench-branch: every seed question of the changed skill leaves, grounded ones with their context. */
export function skillQuestions(leaves: EvalLeaf[]): RefQuestion[] {
  const out: RefQuestion[] = [];
  for (const leaf of leaves.filter((l) => l.kind !== 'knowledge'))
    leaf.seeds.forEach((s, i) =>
      out.push({
        id: `${leaf.leafId}#${i}`,
        leafId: leaf.leafId,
        prompt: s.context
          ? `Given the context below:\n${s.context}\nAnswer the following question: ${s.question}`
          : s.question,
        reference: s.answer,
      }),
    );
  return out;
}

/** Fact recall: every knowledge seed question asked directly, without its context or options. */
export function factQuestions(leaves: EvalLeaf[]): RefQuestion[] {
  return leaves
    .filter((l) => l.kind === 'knowledge')
    .flatMap((l) =>
      knowledgeQuestions(l).map((q) => ({ id: q.id, leafId: l.leafId, prompt: q.question, reference: q.answer })),
    );
}
