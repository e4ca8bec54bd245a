import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/helpers/temp-dir.js';
import type { SdgSample } from '../../shared/contract/sdg.js';
import { chunkText } from './chunker.js';
import { globToRegExp } from './documents.js';
import { Journal } from '../util/journal.js';
import { mixDatasets, seeded, uuidOf } from './mixer.js';
import { paramsFromName, smallTeacherWarning } from './teacher-size.js';

const tmp = tempDir('labforge-sdg-parts-');
afterAll(() => tmp.remove());

describe('journal', () => {
  it('drops a line torn by a kill and appends after it on a fresh line', async () => {
    const file = path.join(tmp.path, 'j.jsonl');
    const j = await Journal.open(file);
    await j.append('a', { x: 1 });
    await j.append('b', { x: 2 });
    await j.close();
    appendFileSync(file, '{"k":"c","v":{"x"');
    const again = await Journal.open(file);
    expect(again.brokenLines).toBe(1);
    expect(again.get('a')).toEqual({ x: 1 });
    expect(again.has('c')).toBe(false);
    await again.append('d', { x: 4 });
    await again.close();
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines.map((l) => (JSON.parse(l) as { k: string }).k)).toEqual(['a', 'b', 'd']);
  });
});

describe('chunker', () => {
  const words = (s: string): Promise<number> => Promise.resolve(s.split(/\s+/).filter(Boolean).length);
  it('packs paragraphs up to the budget and cuts long ones by sentence and word', async () => {
    const para = (n: number, w: string): string => Array.from({ length: n }, () => w).join(' ');
    const text = [
      para(30, 'a'),
      para(30, 'b'),
      para(30, 'c'),
      `${para(50, 'd')}. ${para(50, 'e')}.`,
      para(250, 'f'),
    ].join('\n\n');
    const chunks = await chunkText(text, 100, words);
    for (const c of chunks) expect(await words(c)).toBeLessThanOrEqual(100);
    expect(chunks[0]).toContain('a a');
    expect(chunks[0]).toContain('c c');
    expect(
      chunks
        .join(' ')
        .split(/\s+/)
        .filter((w) => w === 'f' || w === 'f.'),
    ).toHaveLength(250);
  });
});

describe('document patterns', () => {
  it('matches like a glob: * stays in one folder, ** crosses them', () => {
    expect(globToRegExp('*.md').test('a.md')).toBe(true);
    expect(globToRegExp('*.md').test('docs/a.md')).toBe(false);
    expect(globToRegExp('docs/**/*.pdf').test('docs/x/y/a.pdf')).toBe(true);
    expect(globToRegExp('docs/**/*.pdf').test('docs/a.pdf')).toBe(true);
  });
});

describe('teacher size', () => {
  it('reads parameters from model names and warns under 7B', () => {
    expect(paramsFromName('mistral-7b-instruct-v0.2.Q4_K_M.gguf')).toBe(7e9);
    expect(paramsFromName('Mixtral-8x7B-Instruct-v0.1')).toBe(56e9);
    expect(paramsFromName('qwen2.5-0.5b-instruct')).toBe(5e8);
    expect(paramsFromName('granite-3.1-8b-instruct')).toBe(8e9);
    expect(paramsFromName('gpt-4o')).toBeNull();
    expect(smallTeacherWarning({ kind: 'local', model: 'tiny.gguf' }, 470_000)).toMatch(/simple/);
    expect(smallTeacherWarning({ kind: 'endpoint', model: 'mixtral-8x7b' }, null)).toBeNull();
  });
});

describe('mixer', () => {
  const sample = (i: number, doc: string): SdgSample => ({
    id: `s${i}`,
    leaf: 'knowledge->x',
    dataset: 'knowledge',
    question: `Q${i}?`,
    answer: `A${i}.`,
    context: null,
    document: doc,
    sourceDocument: 'x.md',
    domain: 'x',
    scores: {},
    discarded: false,
  });
  it('writes RAFT samples with the gold chunk among distractors about 40% of the time', async () => {
    const docs = ['chunk one', 'chunk two', 'chunk three', 'chunk four', 'chunk five', 'chunk six'];
    const samples = Array.from({ length: 300 }, (_, i) => sample(i, docs[i % docs.length]!));
    const out = path.join(tmp.path, 'mix');
    const r = await mixDatasets({
      out,
      ts: '2026-01-01T00_00_00',
      leaves: [
        {
          leaf: 'knowledge->x',
          dataset: 'knowledge',
          samplingSize: 30,
          raftP: 0.4,
          raftDocuments: 4,
          samples,
          aux: [],
        },
      ],
      discarded: new Set(['s0']),
    });
    const recs = readFileSync(r.skills!, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { messages: Array<{ content: string }>; metadata: string; unmask: boolean });
    const raft = recs.filter((x) => !x.unmask);
    expect(raft).toHaveLength(299);
    let gold = 0;
    for (const [k, x] of raft.entries()) {
      const user = x.messages[1]!.content;
      expect(user.match(/Document:\n/g)).toHaveLength(4);
      const s = samples[k + 1]!;
      if (user.includes(`Document:\n${s.document}\n\n`)) gold++;
    }
    expect(gold / raft.length).toBeGreaterThan(0.3);
    expect(gold / raft.length).toBeLessThan(0.5);
    expect(readFileSync(r.knowledge!, 'utf8')).not.toContain('Q0?');
    expect(uuidOf('a')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const a = seeded(42);
    const b = seeded(42);
    expect([a(), a()]).toEqual([b(), b()]);
  });

  it('upsamples phase-2 knowledge to 3% of a large replay set, and leaves it alone when it is above that', async () => {
    const knowledge = (n: number) => ({
      leaf: 'knowledge->x',
      dataset: 'knowledge' as const,
      samplingSize: 30,
      raftP: 0.4,
      raftDocuments: 2,
      samples: Array.from({ length: n }, (_, i) => sample(i, `chunk ${i}`)),
      aux: [],
    });
    const replayOf = (n: number): string => {
      const f = path.join(tmp.path, `replay-${n}.jsonl`);
      const line = (i: number) =>
        JSON.stringify({
          messages: [
            { role: 'user', content: `replay question ${i}` },
            { role: 'assistant', content: `replay answer ${i}` },
          ],
        });
      writeFileSync(f, Array.from({ length: n }, (_, i) => line(i)).join('\n') + '\n');
      return f;
    };
    const phase2 = async (samples: number, replay: number) => {
      const r = await mixDatasets({
        out: path.join(tmp.path, `mix-${samples}-${replay}`),
        ts: 't',
        leaves: [knowledge(samples)],
        replay: replayOf(replay),
        discarded: new Set(),
      });
      const recs = readFileSync(r.skills!, 'utf8').trim().split('\n');
      const fromReplay = recs.filter((l) => l.includes('replay question')).length;
      return { replay: fromReplay, knowledge: recs.length - fromReplay, reported: r.replayRecords };
    };
    // 5 samples give 10 phase-2 knowledge records (RAFT + plain); 3% of 2000 replay records is 60.
    expect(await phase2(5, 2000)).toEqual({ replay: 2000, knowledge: 60, reported: 2000 });
    // 10% already: nothing added.
    expect(await phase2(5, 100)).toEqual({ replay: 100, knowledge: 10, reported: 100 });
  });
});
