import { promises as fs, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import git from 'isomorphic-git';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobResult, type JobInfo, type SdgParams } from '../../electron/shared/contract/index.js';
import { createCore, type Core } from '../../electron/core/create-core.js';
import { EndpointTeacher } from '../../electron/core/teacher/endpoint-teacher.js';
import { startFakeOpenAi, type FakeOpenAiServer, type ReplyFn } from '../helpers/fake-openai-server.js';
import { connectMemory } from '../helpers/memory-client.js';
import { makePdf, makeSdgTaxonomy, sdgReply } from '../helpers/sdg-fixtures.js';
import { tempDir } from '../helpers/temp-dir.js';

const tmp = tempDir('labforge-sdg-bad-');
let core: Core;
let api: ReturnType<typeof connectMemory>['api'];
let close: () => void;
let server: FakeOpenAiServer;
let reply: ReplyFn = sdgReply;
let n = 0;

beforeAll(async () => {
  process.env.SDG_TEST_KEY = 'right-key';
  server = await startFakeOpenAi({ reply: (ctx) => reply(ctx), models: ['mixtral-8x7b'], apiKey: 'right-key' });
  core = await createCore({
    dataDir: path.join(tmp.path, 'data'),
    gpuLockFile: null,
    // The real endpoint teacher, with short back-off and timeouts so retries stay quick.
    sdgTeacher: (spec, signal) =>
      EndpointTeacher.open(
        {
          url: spec.source,
          model: spec.model,
          apiKeyEnv: spec.apiKeyEnv,
          concurrency: 2,
          backoffMs: 20,
          maxAttempts: 3,
          timeoutMs: 1500,
        },
        signal,
      ),
  });
  ({ api, close } = connectMemory(core));
});
afterAll(async () => {
  close();
  await core.dispose();
  await server.close();
  tmp.remove();
});

async function run(dir: string, extra: Partial<SdgParams> = {}): Promise<JobInfo> {
  process.env.SDG_TEST_KEY = 'right-key';
  const job = await api.call('sdg.start', {
    taxonomy: path.join(dir, 'taxonomy'),
    base: 'empty',
    teacher: server.url,
    apiKeyEnv: 'SDG_TEST_KEY',
    pipeline: 'simple',
    scale: 2,
    out: path.join(dir, 'out'),
    ...extra,
  });
  return core.jobs.waitFor(job.id);
}

const fresh = async (
  leaves: Array<'knowledge' | 'freeform' | 'grounded'>,
  opts: Parameters<typeof makeSdgTaxonomy>[1] = {},
) => {
  const dir = path.join(tmp.path, `case-${n++}`);
  const t = await makeSdgTaxonomy(dir, { leaves, ...opts });
  return { dir, ...t };
};

describe('sdg: bad input gives a clear message and loses nothing', () => {
  it('names the leaf and the file when the document is missing, unreadable, or its commit does not exist', async () => {
    const a = await fresh(['knowledge']);
    const q = path.join(a.taxonomy, a.knowledgePath);
    writeFileSync(q, readFileSync(q, 'utf8').replace('- phoenix.md', '- missing.md'));
    const ja = await run(a.dir);
    expect(ja.state).toBe('failed');
    expect(ja.error?.message).toMatch(/knowledge->astronomy->phoenix: no file at commit .* matches missing\.md/);

    const b = await fresh(['knowledge'], { commit: 'deadbeef'.repeat(5) });
    const jb = await run(b.dir);
    expect(jb.error?.message).toMatch(/knowledge->astronomy->phoenix: the document commit deadbeef.* does not exist/);

    const c = await fresh(['knowledge'], { doc: { name: 'phoenix.pdf', content: new Uint8Array([1, 2, 3, 4]) } });
    const jc = await run(c.dir);
    expect(jc.error?.message).toMatch(/knowledge->astronomy->phoenix: cannot read phoenix\.pdf \(not a readable PDF/);
  });

  it('refuses a leaf whose patterns match both Markdown and PDF files, as upstream does', async () => {
    const m = await fresh(['knowledge']);
    await fs.writeFile(path.join(m.docs, 'phoenix.pdf'), makePdf(['Phoenix is a constellation.']));
    await git.add({ fs, dir: m.docs, filepath: 'phoenix.pdf' });
    const both = await git.commit({ fs, dir: m.docs, message: 'pdf too', author: { name: 't', email: 't@x' } });
    const q = path.join(m.taxonomy, m.knowledgePath);
    writeFileSync(q, readFileSync(q, 'utf8').replace(m.docCommit, both).replace('- phoenix.md', "- 'phoenix.*'"));
    const jm = await run(m.dir);
    expect(jm.state).toBe('failed');
    expect(jm.error?.message).toMatch(/knowledge->astronomy->phoenix: provided multiple document types/);
    expect(jm.error?.hint).toMatch(/one document type per leaf/);
  });

  it('reads a PDF document at its commit', async () => {
    const d = await fresh(['knowledge'], {
      doc: {
        name: 'phoenix.pdf',
        content: makePdf(['Phoenix is a constellation in the southern sky.', 'Ankaa is its brightest star.']),
      },
    });
    // A later commit of the docs repo must not change what the leaf reads.
    await fs.writeFile(path.join(d.docs, 'phoenix.pdf'), 'changed');
    await git.add({ fs, dir: d.docs, filepath: 'phoenix.pdf' });
    await git.commit({ fs, dir: d.docs, message: 'later', author: { name: 't', email: 't@x' } });
    const j = await run(d.dir);
    expect(j.state).toBe('succeeded');
    const page = await api.call('sdg.samples', { jobId: j.id, limit: 5 });
    expect(page.samples[0]!.document).toContain('Ankaa is its brightest star.');
  });

  it('stops at once with a clear message on a wrong API key', async () => {
    const e = await fresh(['freeform']);
    process.env.SDG_WRONG_KEY = 'wrong';
    const t0 = Date.now();
    const j = await run(e.dir, { apiKeyEnv: 'SDG_WRONG_KEY' });
    expect(j.state).toBe('failed');
    expect(j.error?.code).toBe('UNAUTHORIZED');
    expect(Date.now() - t0).toBeLessThan(10_000);
  });

  it('counts junk, malformed JSON and refusals as drops by reason, and says which block emptied a leaf', async () => {
    const f = await fresh(['freeform', 'grounded']);
    reply = (ctx) => {
      if (ctx.lastUserText.includes('Using only the context')) return { refusal: 'I cannot help with that.' };
      if (ctx.choice === 0) return '{"question": "unterminated';
      return sdgReply(ctx);
    };
    const j = await run(f.dir);
    reply = sdgReply;
    expect(j.state).toBe('succeeded');
    const r = jobResult('sdg.generate', j)!;
    const free = r.leaves.find((l) => l.leaf === 'compositional_skills->writing->haiku')!;
    expect(free.kept).toBe(5);
    const status = await api.call('sdg.status', { jobId: j.id });
    const steps = status.leaves.find((l) => l.leaf === 'compositional_skills->writing->haiku')!.steps;
    expect(steps[0]!.dropped).toEqual({ 'teacher reply unparseable': 5 });
    const grounded = status.leaves.find((l) => l.leaf === 'compositional_skills->grounded->notes')!;
    expect(grounded.kept).toBe(0);
    expect(grounded.note).toMatch(/gen_grounded_skill.*dropped all 5.*teacher refused: 10/);
    const card = readFileSync(path.join(r.out, 'dataset-card.md'), 'utf8');
    expect(card).toContain('**No samples**');
  });

  it('retries 429 (Retry-After), 500 and timeouts, and ends with every sample', async () => {
    const g = await fresh(['freeform']);
    reply = (ctx) => {
      const h = ctx.lastUserText.length % 3;
      if (ctx.attempt === 0 && h === 0) return { status: 429, retryAfter: 0 };
      if (ctx.attempt === 0 && h === 1) return { status: 500 };
      if (ctx.attempt === 0 && h === 2) return { hang: true };
      return sdgReply(ctx);
    };
    server.reset();
    const j = await run(g.dir);
    reply = sdgReply;
    expect(j.state).toBe('succeeded');
    expect(jobResult('sdg.generate', j)!.leaves[0]).toMatchObject({ generated: 10, kept: 10 });
    expect(server.completionRequests().length).toBe(10);
  });

  it('warns before a full run with a small teacher and offers simple', async () => {
    const h = await fresh(['freeform']);
    const pre = await api.call('sdg.preflight', {
      taxonomy: h.taxonomy,
      base: 'empty',
      teacher: server.url,
      teacherModel: 'qwen2.5-0.5b-instruct',
      pipeline: 'full',
    });
    expect(pre.leaves).toEqual([
      { leaf: 'compositional_skills->writing->haiku', kind: 'freeform_skill', flow: 'full-freeform-skills.yaml' },
    ]);
    expect(pre.warnings[0]).toMatch(/about 500M parameters.*--pipeline simple/);
    const big = await api.call('sdg.preflight', {
      taxonomy: h.taxonomy,
      base: 'empty',
      teacher: server.url,
      teacherModel: 'mixtral-8x7b',
      pipeline: 'full',
    });
    expect(big.warnings).toEqual([]);
    // No model name: the endpoint's own /models answers it (mixtral-8x7b, large enough).
    const asked = await api.call('sdg.preflight', {
      taxonomy: h.taxonomy,
      base: 'empty',
      teacher: server.url,
      apiKeyEnv: 'SDG_TEST_KEY',
      pipeline: 'full',
    });
    expect(asked.warnings).toEqual([]);
  });

  it('cancels mid-run and jobs.resume finishes without asking again', async () => {
    // Freeform only: its flow asks n = 1 everywhere, so every request body is distinct.
    const k = await fresh(['freeform']);
    let answered = 0;
    const seen = new Set<string>();
    let repeated = 0;
    reply = async (ctx) => {
      const key = JSON.stringify(ctx.body);
      if (seen.has(key)) repeated++;
      seen.add(key);
      answered++;
      return { text: sdgReply(ctx), delayMs: 30 };
    };
    const job = await api.call('sdg.start', {
      taxonomy: k.taxonomy,
      base: 'empty',
      teacher: server.url,
      apiKeyEnv: 'SDG_TEST_KEY',
      pipeline: 'full',
      out: path.join(k.dir, 'out'),
    });
    for (let i = 0; answered < 6 && i < 1000; i++) await new Promise((r) => setTimeout(r, 20));
    await api.call('jobs.cancel', { id: job.id });
    const stopped = await core.jobs.waitFor(job.id);
    expect(stopped.state).toBe('cancelled');
    expect(repeated).toBe(0);
    await api.call('jobs.resume', { id: job.id });
    const done = await core.jobs.waitFor(job.id);
    reply = sdgReply;
    expect(done.state).toBe('succeeded');
    // Only a request cut off by the cancel (never answered) may be asked again.
    expect(repeated).toBeLessThanOrEqual(2);
    expect(seen.size).toBe(50);
    expect(jobResult('sdg.generate', done)!.totals.kept).toBeGreaterThan(0);
  });

  it('adds a replay file to phase 2 and refuses a broken one by file and line', async () => {
    const m = await fresh(['freeform']);
    const replay = path.join(m.dir, 'replay.jsonl');
    const rec = {
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: 'hello' },
      ],
      metadata: { dataset: 'general' },
    };
    writeFileSync(replay, `${JSON.stringify(rec)}\n${JSON.stringify(rec)}\n`);
    const ok = await run(m.dir, { replay });
    const r = jobResult('sdg.generate', ok)!;
    const lines = readFileSync(r.files.skills!, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { messages: Array<{ role: string }>; metadata: unknown });
    expect(lines).toHaveLength(32);
    expect(lines.at(-1)!.messages[0]!.role).toBe('system');
    expect(typeof lines.at(-1)!.metadata).toBe('string');
    writeFileSync(replay, `${JSON.stringify(rec)}\nnot json\n`);
    const bad = await run(m.dir, { replay });
    expect(bad.error?.message).toMatch(/replay\.jsonl:2: /);
  });

  it('leaves a discarded sample out of the mixed files', async () => {
    const p = await fresh(['freeform']);
    const j = await run(p.dir);
    const page = await api.call('sdg.samples', { jobId: j.id, limit: 50 });
    expect(page.total).toBe(10);
    const victim = page.samples[3]!;
    const keep = page.samples.filter((s) => s.id !== victim.id);
    await api.call('sdg.discard', { jobId: j.id, ids: keep.map((s) => s.id) });
    const { files } = await api.call('sdg.discard', { jobId: j.id, ids: [victim.id], discarded: false });
    const text = readFileSync(files.skills!, 'utf8');
    // 30 draws with replacement from the one sample left.
    expect(text.trim().split('\n')).toHaveLength(30);
    expect(text).toContain(JSON.stringify(victim.question).slice(1, -1));
    for (const s of keep) expect(text).not.toContain(JSON.stringify(s.question).slice(1, -1));
    // The dataset card follows the discards.
    const card = JSON.parse(readFileSync(path.join(jobResult('sdg.generate', j)!.out, 'dataset-card.json'), 'utf8'));
    expect(card.totals.discarded).toBe(9);
    expect(card.files).toMatchObject({ skills: files.skills, skills_records: 30 });
    const md = readFileSync(path.join(jobResult('sdg.generate', j)!.out, 'dataset-card.md'), 'utf8');
    expect(md).toContain('9 discarded by hand');
  });
});
