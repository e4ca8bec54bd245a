import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixCosmetic, validateQna, type Finding } from '../../electron/shared/taxonomy/index.js';

const FIX = path.resolve('test/fixtures/taxonomy');
/** The corpus names files `<kind>-<name>.yaml`; the kind decides the folder the file pretends to live in. */
const pathFor = (name: string): string => {
  const kind = name.split('-')[0];
  const top =
    kind === 'knowledge' ? 'knowledge' : kind === 'foundational' ? 'foundational_skills' : 'compositional_skills';
  return `${top}/test/${name.replace(/\.yaml$/, '')}/qna.yaml`;
};
const errors = (f: Finding[]): Finding[] => f.filter((x) => x.severity === 'error');

describe('the qna.yaml validator on the fixture corpus', () => {
  for (const name of readdirSync(path.join(FIX, 'valid'))) {
    it(`accepts valid/${name}`, () => {
      const r = validateQna(readFileSync(path.join(FIX, 'valid', name), 'utf8'), pathFor(name));
      expect(errors(r.findings)).toEqual([]);
      expect(r.findings.filter((f) => f.severity === 'warning')).toEqual([]);
      expect(r.stats?.seeds.length).toBeGreaterThanOrEqual(5);
    });
  }

  for (const name of readdirSync(path.join(FIX, 'invalid'))) {
    it(`rejects invalid/${name} with the expected finding`, () => {
      const text = readFileSync(path.join(FIX, 'invalid', name), 'utf8');
      const expects = /^# expect: (.*)$/m.exec(text)![1]!.split(' ');
      const r = validateQna(text, pathFor(name));
      const errs = errors(r.findings);
      expect(errs.length).toBeGreaterThan(0);
      for (const e of expects) {
        const [rule, line] = e.split('@') as [string, string];
        const hit = errs.find(
          (f) =>
            (rule.endsWith('*') ? f.rule.startsWith(rule.slice(0, -1)) : f.rule === rule) &&
            (line === '*' || f.line === Number(line)),
        );
        expect(hit, `${e} in ${JSON.stringify(errs, null, 1)}`).toBeDefined();
      }
      for (const f of r.findings) {
        expect(f.file).toBe(pathFor(name));
        expect(f.line).toBeGreaterThan(0);
        expect(f.column).toBeGreaterThan(0);
        expect(f.message.length).toBeGreaterThan(10);
      }
    });
  }
});

describe('cosmetic lint', () => {
  const good = readFileSync(path.join(FIX, 'valid', 'compositional-haiku.yaml'), 'utf8');

  it('reports trailing spaces, CRLF and a blank last line as fixable warnings, and fixCosmetic repairs them', () => {
    const bad = `${good.replace('created_by: wordsmith', 'created_by: wordsmith   ').replace(/\n/g, '\r\n')}\r\n`;
    const r = validateQna(bad, 'compositional_skills/x/qna.yaml');
    expect(errors(r.findings)).toEqual([]);
    const rules = r.findings.map((f) => f.rule);
    expect(rules).toEqual(expect.arrayContaining(['lint.trailing-spaces', 'lint.new-lines', 'lint.empty-lines']));
    expect(r.findings.every((f) => f.fixable)).toBe(true);
    const trailing = r.findings.find((f) => f.rule === 'lint.trailing-spaces')!;
    expect([trailing.line, trailing.column]).toEqual([2, 22]);
    const fixed = fixCosmetic(bad);
    expect(fixed.text).toBe(good);
    expect(fixed.fixes.length).toBeGreaterThan(0);
    expect(validateQna(fixed.text, 'compositional_skills/x/qna.yaml').findings).toEqual([]);
  });

  it('adds the missing final newline, drops leading blank lines and extra spaces after a colon', () => {
    const bad = `\n\n${good.replace('created_by: wordsmith', 'created_by:    wordsmith').trimEnd()}`;
    const r = validateQna(bad, 'compositional_skills/x/qna.yaml');
    expect(r.findings.map((f) => f.rule)).toEqual(
      expect.arrayContaining(['lint.new-line-at-end-of-file', 'lint.colons', 'lint.empty-lines']),
    );
    expect(fixCosmetic(bad).text).toBe(good);
  });

  it("checks colons, commas, braces, brackets and hyphens on tokens, at yamllint's columns", () => {
    const text = 'a : {x:  1 ,y: [  1,2  ], "q" : 3, e: {  }, f: [ ]}\nb:\n  - -  b\n*x : 1\n';
    const got = validateQna(text, 'compositional_skills/x/qna.yaml')
      .findings.filter((f) => f.rule.startsWith('lint.'))
      .map((f) => `${f.line}:${f.column} ${f.rule}`);
    expect(got).toEqual([
      '1:2 lint.colons',
      '1:9 lint.colons',
      '1:11 lint.commas',
      '1:13 lint.commas',
      '1:18 lint.brackets',
      '1:21 lint.commas',
      '1:23 lint.brackets',
      '1:30 lint.colons',
      '1:41 lint.braces',
      '3:7 lint.hyphens',
    ]);
  });

  it('repairs spaces around colons and commas and inside brackets on save, but never hyphens', () => {
    const bad = good
      .replace('created_by: wordsmith', 'created_by :   wordsmith')
      .replace('- question: Write a haiku about topic 1.', '- "question" :  Write a haiku about topic 1.')
      .replace('task_description: |', 'task_description:   |');
    const r = validateQna(bad, 'compositional_skills/x/qna.yaml');
    expect(r.findings.filter((f) => f.rule === 'lint.colons').every((f) => f.fixable && f.severity === 'error')).toBe(
      true,
    );
    const fixed = fixCosmetic(bad);
    expect(fixed.text).toBe(
      good.replace('- question: Write a haiku about topic 1.', '- "question": Write a haiku about topic 1.'),
    );
    expect(fixed.fixes).toContain('fixed spaces around colons');
    const flow = 'a: [  x ,y,  z  ]\nb: {  k:  1  }\n';
    expect(fixCosmetic(flow).text).toBe('a: [ x, y, z ]\nb: { k: 1 }\n');
    const hyphen = 'a:\n  -   x\n';
    expect(fixCosmetic(hyphen).text).toBe(hyphen);
  });

  it('checks indentation inside flow collections that span lines', () => {
    const text = 'a: [x,\n   y,\n    z\n ]\n';
    const got = validateQna(text, 'compositional_skills/x/qna.yaml').findings.filter(
      (f) => f.rule === 'lint.indentation',
    );
    expect(got.map((f) => `${f.line}:${f.column}`)).toEqual(['2:4', '4:2']);
  });

  it('leaves a clean file alone and keeps blank lines inside block scalars', () => {
    expect(fixCosmetic(good)).toEqual({ text: good, fixes: [] });
    const withBlock = 'a: |\n  one\n\n\n\n  two\nb: 1\n';
    expect(fixCosmetic(withBlock).text).toBe(withBlock);
  });
});

describe('bad input', () => {
  it('refuses files over 1 MiB with one clear finding, without parsing them', () => {
    const big = `version: 3\ncreated_by: x\ntask_description: |\n${'  lorem ipsum dolor sit amet\n'.repeat(40_000)}`;
    const t0 = Date.now();
    const r = validateQna(big, 'compositional_skills/big/qna.yaml');
    expect(Date.now() - t0).toBeLessThan(500);
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]).toMatchObject({ rule: 'file.too-large', severity: 'error' });
    expect(r.findings[0]!.message).toMatch(/at most 1 MiB/);
  });

  it('stops an alias bomb quickly', () => {
    const t0 = Date.now();
    const r = validateQna(
      readFileSync(path.join(FIX, 'invalid', 'compositional-alias-bomb.yaml'), 'utf8'),
      'compositional_skills/b/qna.yaml',
    );
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(r.findings.find((f) => f.rule === 'yaml.alias-bomb')?.message).toMatch(/Too many aliases/);
  });

  it('explains a knowledge min-items failure in plain words with the YAML path', () => {
    const text = readFileSync(path.join(FIX, 'invalid', 'knowledge-too-few-pairs.yaml'), 'utf8');
    const f = validateQna(text, 'knowledge/a/qna.yaml').findings.find((x) => x.rule === 'schema.min-items')!;
    expect(f.path).toBe('seed_examples[1].questions_and_answers');
    expect(f.message).toContain('needs at least 3 question-and-answer pairs; it has 2');
  });
});

describe('advisory limits', () => {
  it('counts words and characters and warns past the limits', () => {
    const long = Array.from({ length: 520 }, (_, i) => `w${i}`).join(' ');
    const text = readFileSync(path.join(FIX, 'valid', 'knowledge-phoenix.yaml'), 'utf8').replace(
      '**Phoenix** fact number 1: the constellation lies in the southern sky',
      long,
    );
    const r = validateQna(text, 'knowledge/p/qna.yaml');
    expect(r.findings.find((f) => f.rule === 'limit.context-words')?.severity).toBe('warning');
    expect(r.stats!.seeds[0]!.contextWords).toBeGreaterThan(520);
    expect(r.stats!.seeds[0]!.qnaPairs).toBe(3);
    expect(r.stats!.seeds[0]!.line).toBe(6);
  });

  it('marks a skill grounded when a seed has a context', () => {
    const text = readFileSync(path.join(FIX, 'valid', 'compositional-grounded-notes.yaml'), 'utf8');
    expect(validateQna(text, 'compositional_skills/g/qna.yaml').stats?.grounded).toBe(true);
  });
});
