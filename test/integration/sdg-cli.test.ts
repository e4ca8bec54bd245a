import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startFakeOpenAi,
  type FakeOpenAiServer,
  type FakeReply,
  type ReplyContext,
} from '../helpers/fake-openai-server.js';
import { makeSdgTaxonomy, sdgReply, type SdgTaxonomy } from '../helpers/sdg-fixtures.js';
import { tempDir } from '../helpers/temp-dir.js';

const CLI = path.resolve('electron/core/cli/index.ts');
const tmp = tempDir('labforge-sdg-cli-');
let tax: SdgTaxonomy;

function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>(
    (resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, done };
}

const bodyKey = (b: unknown): string => JSON.stringify(b);

beforeAll(async () => {
  tax = await makeSdgTaxonomy(tmp.path, { leaves: ['knowledge', 'freeform'] });
});
afterAll(() => tmp.remove());

const args = (url: string, out: string, extra: string[] = []): string[] => [
  'generate',
  '--data-dir',
  path.join(tmp.path, 'data'),
  '--taxonomy',
  tax.taxonomy,
  '--base',
  'empty',
  '--teacher',
  url,
  '--pipeline',
  'full',
  '--concurrency',
  '2',
  '--out',
  out,
  '--json',
  ...extra,
];

describe('labforge generate', () => {
  it('survives kill -9 mid-run and resumes without asking the teacher again for any answer it had', async () => {
    const answered = new Set<string>();
    let hangAfter = 8;
    const fn = (ctx: ReplyContext): FakeReply => {
      if (answered.size >= hangAfter) return { hang: true };
      answered.add(bodyKey(ctx.body));
      return sdgReply(ctx);
    };
    await using server: FakeOpenAiServer = await startFakeOpenAi({ reply: fn, models: ['mixtral-8x7b'] });
    const out = path.join(tmp.path, 'killed');
    const first = cli(args(server.url, out));
    const journal = path.join(out, 'journal.jsonl');
    const answers = (): number =>
      existsSync(journal)
        ? readFileSync(journal, 'utf8')
            .split('\n')
            .filter((l) => l.includes('"replies"') || l.includes('"text"')).length
        : 0;
    const t0 = Date.now();
    while (answers() < hangAfter && Date.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 100));
    expect(answers()).toBe(hangAfter);
    // The run's clock is saved every 2 s, also while the teacher hangs: the card covers both sessions.
    const runFile = path.join(out, 'sdg-run.json');
    const elapsed = (): number => (JSON.parse(readFileSync(runFile, 'utf8')) as { elapsedMs: number }).elapsedMs;
    while (elapsed() < 2000 && Date.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 100));
    const firstMs = elapsed();
    first.child.kill('SIGKILL');
    expect((await first.done).signal).toBe('SIGKILL');
    const before = new Set(answered);

    hangAfter = Infinity;
    server.reset();
    const second = await cli(args(server.url, out)).done;
    expect(second.stderr).toContain('Resuming');
    expect(second.code).toBe(0);
    const asked = server.completionRequests().map((r) => bodyKey(r.body));
    expect(asked.length).toBeGreaterThan(0);
    expect(asked.filter((b) => before.has(b))).toEqual([]);
    const summary = JSON.parse(second.stdout.trim().split('\n').at(-1)!);
    expect(Object.keys(summary).sort()).toEqual(
      ['files', 'leaves', 'out', 'samples_per_min', 'seconds', 'teacher', 'tokens_per_s', 'totals'].sort(),
    );
    expect(summary.leaves.find((l: { leaf: string }) => l.leaf === 'knowledge->astronomy->phoenix')).toMatchObject({
      generated: 30,
      kept: 20,
      dropped: { relevancy: 10 },
    });
    expect(existsSync(summary.files.knowledge)).toBe(true);
    expect(existsSync(summary.files.skills)).toBe(true);
    expect(summary.seconds * 1000).toBeGreaterThanOrEqual(firstMs);
    expect(summary.samples_per_min).toBeLessThanOrEqual((summary.totals.kept / (firstMs / 1000)) * 60);
  });

  it('refuses an invalid taxonomy with the validator findings (exit 1)', async () => {
    const bad = await makeSdgTaxonomy(path.join(tmp.path, 'bad'), { leaves: ['freeform'] });
    const f = path.join(bad.taxonomy, 'compositional_skills/writing/haiku/qna.yaml');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(f, readFileSync(f, 'utf8').replace('created_by: wordsmith\n', ''));
    const r = await cli([
      ...args('http://127.0.0.1:9/v1', path.join(tmp.path, 'bad-out')).map((a) =>
        a === tax.taxonomy ? bad.taxonomy : a,
      ),
    ]).done;
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/compositional_skills\/writing\/haiku\/qna\.yaml:\d+:\d+.*created_by/);
    expect(JSON.parse(r.stdout.trim()).findings.length).toBeGreaterThan(0);
  });

  it('uses the flows of a folder given with --flows (a new pipeline is a file)', async () => {
    const own = await makeSdgTaxonomy(path.join(tmp.path, 'own-flows'), { leaves: ['freeform'] });
    const r = await cli([
      ...args('http://127.0.0.1:9/v1', path.join(tmp.path, 'own-flows-out')).map((a) =>
        a === tax.taxonomy ? own.taxonomy : a === 'full' ? 'simple' : a,
      ),
      '--flows',
      path.resolve('test/fixtures/sdg-flows'),
    ]).done;
    expect(r.stderr).toMatch(/compositional_skills->writing->haiku\s+\[tiny-freeform\.yaml\]/);
    expect(r.code).toBe(1); // the teacher is not there: the flow was chosen before that
  });

  it('fails within seconds with a clear message when the endpoint is unreachable', async () => {
    const t0 = Date.now();
    const r = await cli(args('http://127.0.0.1:9/v1', path.join(tmp.path, 'unreachable'))).done;
    expect(r.code).toBe(1);
    expect(Date.now() - t0).toBeLessThan(30_000);
    expect(r.stderr).toMatch(/127\.0\.0\.1:9/);
  });
});
