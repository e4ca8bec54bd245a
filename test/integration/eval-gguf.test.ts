import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../electron/core/cli/main.js';
import { writeEvalTaxonomy } from '../helpers/eval-kit.js';
import { tempDir } from '../helpers/temp-dir.js';
import { tinyGguf } from '../helpers/tiny-gguf.js';

process.env.LABFORGE_MODEL_THREADS ??= '1';

interface Out {
  model: string;
  base: string;
  benchmarks: Record<
    string,
    {
      status: string;
      method: string;
      model: number | null;
      base: number | null;
      per_leaf: Array<{ leafId: string }>;
      errors: Array<{ what: string; reason: string }>;
    }
  >;
}

// GGUF models are scored in the model host (node-llama-cpp log-likelihoods and greedy answers), no Python involved.
describe('evaluating GGUF models through the model host', () => {
  const dir = tempDir('labforge-eval-gguf-');
  let a: string;
  let b: string;
  const taxonomy = path.join(dir.path, 'tax');

  beforeAll(async () => {
    [a, b] = await Promise.all([tinyGguf({ seed: 1, name: 'eval-a' }), tinyGguf({ seed: 2, name: 'eval-b' })]);
    writeEvalTaxonomy(taxonomy, { knowledgeOnly: true });
  }, 120_000);
  afterAll(() => dir.remove());

  const evaluate = async (model: string, base: string, benchmarks = 'mmlu_branch,fact_recall'): Promise<Out> => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(
      [
        'evaluate',
        '--data-dir',
        path.join(dir.path, 'lf'),
        '--model',
        model,
        '--base',
        base,
        '--taxonomy',
        taxonomy,
        '--benchmarks',
        benchmarks,
        '--max-new-tokens',
        '6',
        '--json',
      ],
      { out: (l) => out.push(l), err: (l) => err.push(l) },
    );
    expect(code, err.join('\n')).toBe(0);
    return JSON.parse(out.join('\n')) as Out;
  };

  it('gives numbers for both models, per leaf', async () => {
    const r = await evaluate(a, b);
    const mb = r.benchmarks.mmlu_branch!;
    expect(mb.status).toBe('scored');
    expect(mb.model).toEqual(expect.any(Number));
    expect(mb.base).toEqual(expect.any(Number));
    expect(mb.per_leaf.map((l) => l.leafId)).toEqual(['knowledge->general->facts']);
    expect(r.benchmarks.fact_recall).toMatchObject({ status: 'scored', method: 'lexical-overlap' });
    // the same model on both sides scores the same: log-likelihoods are deterministic
    const same = await evaluate(a, a, 'mmlu_branch');
    expect(same.benchmarks.mmlu_branch!.model).toBe(same.benchmarks.mmlu_branch!.base);
  }, 180_000);

  it('a GGUF that fails to load is reported; the base is still scored', async () => {
    const junk = path.join(dir.path, 'junk.gguf');
    writeFileSync(junk, 'GGUF but not really');
    const r = await evaluate(junk, a, 'mmlu_branch');
    const mb = r.benchmarks.mmlu_branch!;
    expect(mb).toMatchObject({ status: 'partial', model: null, base: expect.any(Number) });
    expect(mb.errors.find((e) => e.what === 'model')?.reason).toMatch(/MODEL_INVALID: .*junk\.gguf is not a GGUF file/);
  }, 180_000);

  it('an evaluation that cannot run ends with its error on stderr and exit code 1', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const missing = path.join(dir.path, 'no-such-taxonomy');
    const code = await runCli(
      ['evaluate', '--data-dir', path.join(dir.path, 'lf'), '--model', a, '--base', b, '--taxonomy', missing, '--json'],
      { out: (l) => out.push(l), err: (l) => err.push(l) },
    );
    expect(code).toBe(1);
    expect(out).toEqual([]);
    expect(err.at(-1)).toMatch(/^labforge evaluate: /);
    expect(err.join('\n')).toContain('no-such-taxonomy');
  }, 60_000);
});
