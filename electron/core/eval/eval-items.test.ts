import { describe, expect, it } from 'vitest';
import { buildMcqs, factQuestions, skillQuestions } from './eval-items.js';
import type { EvalLeaf } from './eval-leaves.js';
import { tokenF1 } from './lexical.js';

const knowledge = (id: string, answers: string[]): EvalLeaf => ({
  leafId: id,
  path: `${id.replace(/->/g, '/')}/qna.yaml`,
  kind: 'knowledge',
  contexts: [{ context: 'ctx', pairs: answers.map((a, i) => ({ question: `Q${i} of ${id}?`, answer: a })) }],
  seeds: [],
});

describe('MMLU-branch items', () => {
  const leaf = knowledge('knowledge->a', ['Paris is the capital.', 'Spiders have eight legs.']);
  const pool = [
    'Paris is the capital.',
    'Spiders have eight legs.',
    'Bees make honey.',
    'The sky is blue.',
    'Cows drink water.',
  ];

  it('has four distinct options with the seed answer exactly once, the same every time', async () => {
    const a = await buildMcqs([leaf], pool);
    const b = await buildMcqs([leaf], pool);
    expect(a).toEqual(b);
    expect(a.items).toHaveLength(2);
    for (const [n, it] of a.items.entries()) {
      expect(it.options).toHaveLength(4);
      expect(new Set(it.options).size).toBe(4);
      expect(it.options[it.answerIndex]).toBe(leaf.contexts[0]!.pairs[n]!.answer);
      expect(it.options.filter((o) => o === leaf.contexts[0]!.pairs[n]!.answer)).toHaveLength(1);
    }
  });

  it('drops an item that cannot get three distinct distractors', async () => {
    const r = await buildMcqs([leaf], ['Paris is the capital.', 'paris is THE capital!', 'Bees make honey.']);
    expect(r.items).toHaveLength(0);
    expect(r.dropped[0]!.reason).toMatch(/distinct distractors/);
  });
});

describe('questions with a reference', () => {
  it('folds a grounded skill context into the question, like MT-Bench-branch', () => {
    const skill: EvalLeaf = {
      leafId: 'compositional_skills->s',
      path: 'compositional_skills/s/qna.yaml',
      kind: 'compositional_skill',
      contexts: [],
      seeds: [
        { question: 'Summarise it', answer: 'Short.', context: 'Long text' },
        { question: 'Say hi', answer: 'Hi!', context: null },
      ],
    };
    const qs = skillQuestions([skill, knowledge('knowledge->k', ['x'])]);
    expect(qs.map((q) => q.prompt)).toEqual([
      'Given the context below:\nLong text\nAnswer the following question: Summarise it',
      'Say hi',
    ]);
    expect(factQuestions([skill, knowledge('knowledge->k', ['An answer'])])).toEqual([
      { id: 'knowledge->k#0.0', leafId: 'knowledge->k', prompt: 'Q0 of knowledge->k?', reference: 'An answer' },
    ]);
  });

  it('scores lexical recall by token F1, ignoring case, punctuation and articles', () => {
    expect(tokenF1('The capital of France is Paris.', 'the capital of france is paris')).toBe(1);
    expect(tokenF1('Paris', 'The capital of France is Paris.')).toBeCloseTo(2 / 6, 5);
    expect(tokenF1('Rome', 'Paris')).toBe(0);
  });
});

describe('MMLU-branch distractors from the teacher', () => {
  it('uses the teacher’s wrong answers first and fills up from the taxonomy when it gives too few', async () => {
    const { startFakeOpenAi, json } = await import('../../../test/helpers/fake-openai-server.js');
    const { EndpointTeacher } = await import('../teacher/endpoint-teacher.js');
    await using server = await startFakeOpenAi({
      reply: (c) =>
        c.lastUserText.includes('Q0')
          ? json({ distractors: ['Lyon is the capital.', 'Nice is the capital.', 'Paris is the capital.'] })
          : 'no idea',
    });
    const teacher = await EndpointTeacher.open({ url: server.url, maxAttempts: 1 });
    try {
      const leaf = knowledge('knowledge->t', ['Paris is the capital.', 'Bees make honey.']);
      const pool = [
        'Paris is the capital.',
        'Bees make honey.',
        'The sky is blue.',
        'Cows drink water.',
        'Snow is cold.',
      ];
      const { items } = await buildMcqs([leaf], pool, { teacher });
      expect(items).toHaveLength(2);
      const first = items[0]!.options.filter((_, i) => i !== items[0]!.answerIndex);
      // the teacher's two usable distractors (its copy of the answer is dropped) plus one from the taxonomy
      expect(first).toEqual(expect.arrayContaining(['Lyon is the capital.', 'Nice is the capital.']));
      expect(items[1]!.options).toHaveLength(4);
    } finally {
      await teacher.dispose();
    }
  });
});
