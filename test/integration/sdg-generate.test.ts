import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinFlowsDir, loadFlowsDir, pickFlow } from '../../electron/core/sdg/flow-loader.js';
import { selectLeaves } from '../../electron/core/sdg/leaf-inputs.js';
import { runGeneration } from '../../electron/core/sdg/sdg-run.js';
import { EndpointTeacher } from '../../electron/core/teacher/endpoint-teacher.js';
import { splitHeldOut } from '../../electron/core/training/datasets.js';
import { startFakeOpenAi, type FakeOpenAiServer } from '../helpers/fake-openai-server.js';
import { makeSdgTaxonomy, sdgReply, type SdgTaxonomy } from '../helpers/sdg-fixtures.js';
import { tempDir } from '../helpers/temp-dir.js';

const tmp = tempDir('labforge-sdg-');
let tax: SdgTaxonomy;
let server: FakeOpenAiServer;

beforeAll(async () => {
  tax = await makeSdgTaxonomy(tmp.path);
  server = await startFakeOpenAi({ reply: sdgReply, models: ['mixtral-8x7b-instruct'] });
});
afterAll(async () => {
  await server.close();
  if (!process.env.KEEP_TMP) tmp.remove();
});

type Event = { type: 'arrived'; leaf: string; questions: Array<string | null> } | { type: 'sampled'; leaf: string };

async function generate(out: string, pipeline: 'simple' | 'full', scale = 2, events: Event[] = []) {
  const flows = await loadFlowsDir(builtinFlowsDir());
  const { leaves, base } = await selectLeaves(tax.taxonomy, 'empty');
  const teacher = await EndpointTeacher.open({ url: server.url, concurrency: 4 });
  try {
    return await runGeneration({
      settings: { out, taxonomy: tax.taxonomy, base, pipeline, scale, concurrency: 4, replay: null },
      leaves: leaves.map((leaf) => ({ leaf, flow: pickFlow(flows, leaf.kind, pipeline) })),
      teacher,
      judge: teacher,
      warnings: [],
      signal: new AbortController().signal,
      cacheDir: path.join(tmp.path, 'cache'),
      onStatus: () => undefined,
      onSamples: (leaf) => events.push({ type: 'sampled', leaf }),
      onArrived: (leaf, items) => events.push({ type: 'arrived', leaf, questions: items.map((x) => x.question) }),
      log: () => undefined,
    });
  } finally {
    await teacher.dispose();
  }
}

const lines = (f: string): unknown[] =>
  readFileSync(f, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as unknown);

describe('sdg: built-in flows through the endpoint teacher against a fake server', () => {
  it('runs the full pipeline for knowledge, freeform and grounded leaves with honest counts', async () => {
    server.reset();
    const out = path.join(tmp.path, 'full');
    const events: Event[] = [];
    const r = await generate(out, 'full', 2, events);
    const byLeaf = Object.fromEntries(r.leaves.map((l) => [l.leaf, l]));
    const k = byLeaf['knowledge->astronomy->phoenix']!;
    // 1 chunk, doubled by the spellcheck copy, × 5 seeds = 10 calls of 3 pairs each; relevancy drops every Q2.
    expect(k.generated).toBe(30);
    expect(k.dropped).toEqual({ relevancy: 10 });
    expect(k.kept).toBe(20);
    const f = byLeaf['compositional_skills->writing->haiku']!;
    // 5 seeds × 3 questions (the script caps 30 at 3); the answer judge fails every Q2.
    expect(f).toMatchObject({ generated: 15, kept: 10, dropped: { answer_quality: 5 } });
    // 5 seeds × 10 contexts × 3 questions.
    const g = byLeaf['compositional_skills->grounded->notes']!;
    expect(g).toMatchObject({ generated: 150, kept: 100, dropped: { answer_quality: 50 } });
    // Samples as they arrive: every teacher reply of the knowledge leaf's Q&A block is shown before
    // the leaf's kept samples are (one event per reply, 3 pairs each, 30 in all).
    const kEvents = events.filter((e) => e.leaf === k.leaf);
    const kept = kEvents.findIndex((e) => e.type === 'sampled');
    const arrivals = kEvents.slice(0, kept).flatMap((e) => (e.type === 'arrived' ? e.questions : []));
    expect(kept).toBe(kEvents.length - 1);
    expect(kEvents.filter((e) => e.type === 'arrived').length).toBeGreaterThanOrEqual(10);
    expect(arrivals.filter((q) => q !== null)).toHaveLength(30);

    // InstructLab's records: id uuid4, system message first, metadata a JSON string, unmask.
    const knowledge = lines(r.files.knowledge!) as Array<Record<string, unknown>>;
    const skills = lines(r.files.skills!) as Array<Record<string, unknown>>;
    for (const rec of [...knowledge, ...skills]) {
      expect(Object.keys(rec).sort()).toEqual(['id', 'messages', 'metadata', 'unmask']);
      expect(rec.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      const msgs = rec.messages as Array<{ role: string; content: string }>;
      expect(msgs[0]!.role).toBe('system');
      expect(typeof rec.metadata).toBe('string');
      JSON.parse(rec.metadata as string);
    }
    expect(knowledge.every((x) => x.unmask === true)).toBe(true);
    // Phase 2: RAFT samples (masked) with "Document:" blocks, and 30 per skill leaf.
    expect(skills.some((x) => x.unmask === false && JSON.stringify(x.messages).includes('Document:\\n'))).toBe(true);
    const skillRecs = skills.filter((x) => JSON.parse(x.metadata as string).dataset === 'skills');
    expect(skillRecs).toHaveLength(60);
    expect(path.basename(r.files.knowledge!)).toMatch(/^knowledge_train_msgs_\d{4}-\d\d-\d\dT\d\d_\d\d_\d\d\.jsonl$/);
    const names = readdirSync(out);
    expect(names.some((n) => n.startsWith('node_datasets_'))).toBe(true);
    expect(names.some((n) => /^skills_recipe_.*\.yaml$/.test(n))).toBe(true);
    expect(names).toContain('dataset-card.json');
    expect(names).toContain('dataset-card.md');
    expect(names.filter((n) => n.endsWith('.part'))).toEqual([]);
    const card = JSON.parse(readFileSync(path.join(out, 'dataset-card.json'), 'utf8'));
    expect(card.leaves).toHaveLength(3);
    expect(card.teacher.model).toBe('mixtral-8x7b-instruct');

    // The trainer's dataset loader reads both files without a broken line.
    const s1 = await splitHeldOut(r.files.knowledge!, path.join(tmp.path, 'split'), 'knowledge');
    const s2 = await splitHeldOut(r.files.skills!, path.join(tmp.path, 'split'), 'skills');
    expect(s1.problems).toEqual([]);
    expect(s2.problems).toEqual([]);
    expect(s1.trainCount + s1.evalCount).toBe(knowledge.length);

    // The same run again asks the teacher nothing: every answer is in the journal.
    const asked = server.completionRequests().length;
    expect(asked).toBeGreaterThan(0);
    const again = await generate(out, 'full');
    expect(server.completionRequests().length).toBe(asked);
    expect(again.leaves).toEqual(r.leaves);
  });

  it('runs the simple pipeline with n = scale', async () => {
    server.reset();
    const r = await generate(path.join(tmp.path, 'simple'), 'simple', 3);
    const f = r.leaves.find((l) => l.leaf === 'compositional_skills->writing->haiku')!;
    // 5 seeds × n = 3 replies, all distinct.
    expect(f.generated).toBe(15);
    expect(f.kept).toBe(15);
    const bodies = server.completionRequests().map((q) => q.body);
    expect(bodies.every((b) => b?.n === 3 || b?.n === undefined)).toBe(true);
  });
});
