import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import {
  canUpgrade,
  fixCosmetic,
  upgradeQna,
  validateQna,
  type Finding,
} from '../../electron/shared/taxonomy/index.js';

const SKILL = 'compositional_skills/writing/x/qna.yaml';
const KNOWLEDGE = 'knowledge/history/x/qna.yaml';
const haiku = readFileSync(path.resolve('test/fixtures/taxonomy/valid/compositional-haiku.yaml'), 'utf8');
const errors = (f: Finding[]): string[] => f.filter((x) => x.severity === 'error').map((x) => `${x.line} ${x.rule}`);
const seed = (i: number): string =>
  `  - question: Say hello number ${i}.\n    answer: Hello number ${i}, nice to meet you today.\n`;
const skill = (head: string, n: number): string =>
  `${head}created_by: me\ntask_description: Greet people.\nseed_examples:\n${Array.from({ length: n }, (_, i) => seed(i)).join('')}`;

describe('each file by its own schema version, as instructlab-schema', () => {
  it('v1 skills (no version key): one seed and an empty task_description are enough, with an upgrade note', () => {
    const text = 'created_by: me\ntask_description: ""\nseed_examples:\n' + seed(1);
    const r = validateQna(text, SKILL);
    expect(r.version).toBe(1);
    expect(errors(r.findings)).toEqual([]);
    expect(r.ilabAccepts).toBe(true);
    const note = r.findings.find((f) => f.rule === 'schema.old-version')!;
    expect(note.severity).toBe('warning');
    expect(note.message).toContain('there is no "version" key');
    expect(note.message).toContain('4 more seed examples');
    expect(note.message).toContain('a task description');
    expect(canUpgrade(r)).toBe(true);
  });

  it('v2 skills need 5 distinct seeds and a task description, like v3', () => {
    const r = validateQna(skill('version: 2\n', 4), SKILL);
    expect(errors(r.findings)).toEqual(['4 schema.min-items']);
    expect(r.ilabAccepts).toBe(false);
    const ok = validateQna(skill('version: 2\n', 5), SKILL);
    expect(ok.ilabAccepts).toBe(true);
    expect(ok.findings.find((f) => f.rule === 'schema.old-version')?.message).toMatch(/nothing else is needed/);
    const dup = skill('', 2).replace(seed(1), seed(0));
    expect(validateQna(dup, SKILL).ilabAccepts).toBe(true); // v1 has no uniqueItems
    expect(validateQna(`version: 2\n${dup}`, SKILL).findings.map((f) => f.rule)).toContain('schema.unique');
  });

  it('refuses knowledge v1 and v2 with upstream words and what upgrading takes', () => {
    const v1 = 'domain: history\ncreated_by: me\ntask_description: IBM\nseed_examples:\n' + seed(1);
    for (const [text, n] of [
      [v1, 1],
      [`version: 2\n${v1}`, 2],
    ] as const) {
      const r = validateQna(text, KNOWLEDGE);
      const errs = r.findings.filter((f) => f.severity === 'error');
      expect(errs).toHaveLength(1);
      expect(errs[0]!.message).toContain(
        `Version ${n} is not supported for knowledge. Minimum supported version is 3.`,
      );
      expect(errs[0]!.message).toContain('document_outline');
      expect(canUpgrade(r)).toBe(true);
    }
  });

  it('runs yamllint only for version > 1: v1 lint problems are notes, v2 ones refuse the file', () => {
    const messy = (head: string) => skill(head, 5).replace('created_by: me', 'created_by:  me   ').concat('\n\n');
    const v1 = validateQna(messy(''), SKILL);
    expect(v1.ilabAccepts).toBe(true);
    const lint = v1.findings.filter((f) => f.rule.startsWith('lint.'));
    expect(lint.length).toBeGreaterThanOrEqual(3);
    expect(lint.every((f) => f.severity === 'info' && /Not checked for version 1/.test(f.message))).toBe(true);
    const v2 = validateQna(messy('version: 2\n'), SKILL);
    expect(v2.ilabAccepts).toBe(false);
    expect(v2.findings.find((f) => f.rule === 'lint.colons')?.severity).toBe('error');
  });

  it('reads duplicate keys as PyYAML does (last wins) and leaves them to yamllint', () => {
    const dup = skill('', 1).replace('created_by: me\n', 'created_by: me\ncreated_by: you\n');
    const v1 = validateQna(dup, SKILL);
    expect(v1.ilabAccepts).toBe(true);
    expect(v1.findings.find((f) => f.rule === 'yaml.duplicate-key')).toMatchObject({ severity: 'info', line: 2 });
    expect(
      validateQna(`version: 3\n${dup}`, SKILL).findings.find((f) => f.rule === 'yaml.duplicate-key'),
    ).toMatchObject({ severity: 'error', line: 3 });
  });

  it("resolves YAML 1.1 scalars like PyYAML: yes/on are booleans, 'y' is text, dates are dates", () => {
    const r = validateQna(haiku.replace('created_by: wordsmith', 'created_by: yes'), SKILL);
    expect(r.findings.find((f) => f.path === 'created_by')).toMatchObject({ rule: 'schema.type', line: 2 });
    expect(validateQna(haiku.replace('created_by: wordsmith', 'created_by: y'), SKILL).ilabAccepts).toBe(true);
    const date = validateQna(haiku.replace('created_by: wordsmith', 'created_by: 2024-08-01'), SKILL);
    expect(date.findings.find((f) => f.path === 'created_by')?.message).toContain('a date');
  });

  it('knows no version 0 or 4', () => {
    for (const v of [0, 4]) {
      const r = validateQna(haiku.replace('version: 3', `version: ${v}`), SKILL);
      expect(errors(r.findings)).toEqual(['1 schema.version']);
      expect(r.version).toBe(v);
      expect(canUpgrade(r)).toBe(false);
    }
  });
});

describe('quoted text continued under its key (PyYAML accepts it)', () => {
  // The shape of upstream compositional_skills/writing/freeform/emoji/qna.yaml (version 2).
  const emoji = haiku
    .replace('- question: Write a haiku about topic 2.', '- question: "Write a haiku about topic 2, in\n    autumn"')
    .replace('created_by: wordsmith', 'created_by: wordsmith ');

  it('parses it, warns at the line, and keeps every position exact', () => {
    const r = validateQna(emoji, SKILL);
    expect(errors(r.findings)).toEqual([]);
    const w = r.findings.find((f) => f.rule === 'yaml.quoted-indent')!;
    expect(w).toMatchObject({ severity: 'warning', line: 12, column: 1, fixable: true });
    expect(w.message).toContain('line 11');
    expect(w.from).toBe(emoji.indexOf('    autumn"'));
    // A finding after the relaxed line, computed on the relaxed text, lands on the original characters.
    const long = emoji.replace('- question: Write a haiku about topic 3.', `- question: ${'x'.repeat(70)}`);
    const q = validateQna(long, SKILL).findings.find((f) => f.rule === 'limit.question-chars')!;
    expect(q.line).toBe(17);
    expect(long.slice(q.from, q.from! + 2)).toBe('xx');
    expect(r.stats?.seeds[1]?.questionChars).toBe('Write a haiku about topic 2, in autumn'.length);
    // The trailing space on line 2 is still found at its column.
    expect(r.findings.find((f) => f.rule === 'lint.trailing-spaces')).toMatchObject({ line: 2, column: 22 });
  });

  it('is indented on save without changing the value', () => {
    const fixed = fixCosmetic(emoji);
    expect(fixed.fixes).toContain('indented quoted text continued under its key');
    expect(parse(fixed.text)).toEqual(parse(emoji.replace('in\n    autumn', 'in\n      autumn')));
    expect(validateQna(fixed.text, SKILL).findings).toEqual([]);
  });

  it('still refuses a quote that is never closed', () => {
    const r = validateQna(
      haiku.replace('- question: Write a haiku about topic 2.', '- question: "Write a haiku'),
      SKILL,
    );
    expect(r.ilabAccepts).toBe(false);
    expect(r.findings.some((f) => f.rule.startsWith('yaml.') && f.severity === 'error')).toBe(true);
  });
});

describe('upgrade to version 3', () => {
  it('adds the version line to a v1 skill and repairs the layout, text otherwise unchanged', () => {
    const v1 = `${skill('', 5).replace('created_by: me', 'created_by: me  ')}`;
    const up = upgradeQna(v1, SKILL);
    expect(up.text).toBe(`version: 3\n${skill('', 5)}`);
    expect(up.changes).toEqual(['added "version: 3"', 'removed trailing spaces']);
    expect(validateQna(up.text, SKILL).findings.filter((f) => f.severity !== 'info')).toEqual([]);
    expect(upgradeQna('version: 2\n' + skill('', 5), SKILL).text).toBe(`version: 3\n${skill('', 5)}`);
  });

  it('restructures v1 knowledge: document_outline, seeds grouped by three under a context to write', () => {
    const v1 =
      'created_by: me\ndomain: history\ntask_description: IBM history\nseed_examples:\n' +
      Array.from({ length: 6 }, (_, i) => `  - question: Q${i}?\n    answer: A${i}.\n`).join('') +
      'document:\n  repo: https://github.com/me/docs\n  commit: 0123abc\n  patterns:\n    - ibm.md\n';
    const up = upgradeQna(v1, KNOWLEDGE);
    const data = parse(up.text) as Record<string, unknown>;
    expect(data).toMatchObject({ version: 3, document_outline: 'IBM history', domain: 'history' });
    expect(data.task_description).toBeUndefined();
    expect(data.seed_examples).toEqual([
      { context: '', questions_and_answers: [0, 1, 2].map((i) => ({ question: `Q${i}?`, answer: `A${i}.` })) },
      { context: '', questions_and_answers: [3, 4, 5].map((i) => ({ question: `Q${i}?`, answer: `A${i}.` })) },
    ]);
    const left = validateQna(up.text, KNOWLEDGE).findings.filter((f) => f.severity === 'error');
    expect(left.map((f) => f.path)).toEqual(['seed_examples', 'seed_examples[0].context', 'seed_examples[1].context']);
  });
});
