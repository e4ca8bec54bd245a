import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyForm, emptySeed, newQnaText, readForm, validateQna } from '../../electron/shared/taxonomy/index.js';

const FIX = path.resolve('test/fixtures/taxonomy/valid');
const phoenix = readFileSync(path.join(FIX, 'knowledge-phoenix.yaml'), 'utf8');
const haiku = readFileSync(path.join(FIX, 'compositional-quoted.yaml'), 'utf8');

describe('form ↔ YAML', () => {
  it('returns the text byte for byte when the form is unchanged', () => {
    for (const [text, kind] of [
      [phoenix, 'knowledge'],
      [haiku, 'skill'],
    ] as const) {
      expect(applyForm(text, readForm(text, kind)!)).toBe(text);
    }
  });

  it('edits one value and keeps comments, key order and the other scalars’ styles', () => {
    const form = readForm(phoenix, 'knowledge')!;
    form.domain = 'space science';
    form.seed_examples[0]!.questions_and_answers[1]!.answer = 'A new answer\nover two lines';
    const out = applyForm(phoenix, form);
    expect(out).toContain('# Knowledge about the Phoenix constellation');
    expect(out).toContain('domain: space science');
    expect(out).toContain('        answer: |\n          A new answer\n          over two lines\n');
    const keys = out
      .split('\n')
      .filter((l) => /^[a-z_]+:/.test(l))
      .map((l) => l.split(':')[0]);
    expect(keys).toEqual(['version', 'domain', 'created_by', 'seed_examples', 'document_outline', 'document']);
    expect(readForm(out, 'knowledge')).toEqual(form);
    // Every line the form did not touch is unchanged.
    const a = phoenix.split('\n');
    const b = out.split('\n');
    const changed = a.filter((l) => !b.includes(l));
    expect(changed.length).toBeLessThanOrEqual(2);
    expect(validateQna(out, 'knowledge/p/qna.yaml').findings).toEqual([]);
  });

  it('keeps an inline comment and quoting style of a skill', () => {
    const form = readForm(haiku, 'skill')!;
    form.seed_examples[4]!.answer = 'Fresh snow on the hill\nthe fox leaves a line of prints\nmorning sun erases them';
    const out = applyForm(haiku, form);
    expect(out).toContain('version: 3 # current schema');
    expect(out).toContain('- question: "Write a haiku about topic 1."');
    expect(readForm(out, 'skill')).toEqual(form);
  });

  it('adds and removes seeds and pairs', () => {
    const form = readForm(phoenix, 'knowledge')!;
    form.seed_examples.push({ ...emptySeed('knowledge'), context: 'Sixth context' });
    form.seed_examples.splice(1, 1);
    form.seed_examples[0]!.questions_and_answers.push({ question: 'Q4?', answer: 'A4.' });
    form.document.patterns = ['phoenix.md', 'more/*.md'];
    const out = applyForm(phoenix, form);
    expect(readForm(out, 'knowledge')).toEqual(form);
    expect(out).toContain('    - more/*.md');
  });

  it('builds new entries in upstream key order, which validate once filled in', () => {
    const k = newQnaText({ kind: 'knowledge', created_by: 'me', domain: 'astronomy' });
    expect(
      k
        .split('\n')
        .filter((l) => /^[a-z_]+:/.test(l))
        .map((l) => l.split(':')[0]),
    ).toEqual(['version', 'created_by', 'domain', 'seed_examples', 'document_outline', 'document']);
    const errs = validateQna(k, 'knowledge/new/qna.yaml').findings.filter((f) => f.severity === 'error');
    expect(errs.some((f) => f.rule === 'schema.min-length')).toBe(true);
    const form = readForm(k, 'knowledge')!;
    form.document_outline = 'Outline';
    form.document = { repo: '/data/documents', commit: 'abcdef1', patterns: ['a.md'] };
    form.seed_examples.forEach((s, i) => {
      s.context = `Context ${i}`;
      s.questions_and_answers.forEach((p, j) => Object.assign(p, { question: `Q${i}${j}?`, answer: `A${i}${j}.` }));
    });
    const filled = applyForm(k, form);
    expect(validateQna(filled, 'knowledge/new/qna.yaml').findings.filter((f) => f.severity !== 'info')).toEqual([]);
    const s = newQnaText({ kind: 'skill', created_by: 'me', task_description: 'Write haiku' });
    expect(s).toMatch(/^version: 3\ncreated_by: me\ntask_description: Write haiku\nseed_examples:\n/);
  });

  it('returns null for text that does not parse', () => {
    expect(readForm('a: [', 'skill')).toBeNull();
  });
});
