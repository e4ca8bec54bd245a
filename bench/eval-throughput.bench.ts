/**
 * Evaluation throughput (issue 9): questions/min scoring 3 checkpoints against their base with a
 * local GGUF judge in the model host, three ways side by side:
 *   kept      LabForge: one worker run answers base + all checkpoints, the judge is loaded once;
 *   per-ckpt  one evaluation per checkpoint (worker started per checkpoint, base re-answered), judge kept;
 *   reloaded  like per-ckpt, but the judge is loaded and unloaded per checkpoint (what upstream does).
 * Also the judge's load+unload time alone for the tiny GGUF (and the ~200 MB f16 one unless BENCH_LARGE=0),
 * since that is the cost "reloaded" pays per checkpoint on a real judge. Prints figures; never asserts on time.
 *   npm run bench eval     BENCH_CKPTS=3 BENCH_THREADS=1 BENCH_LARGE=1
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ModelHost } from '../electron/core/chat/model-host.js';
import { loadEvalLeaves } from '../electron/core/eval/eval-leaves.js';
import { PythonAnswerSource } from '../electron/core/eval/eval-worker.js';
import { describeModel, evaluate } from '../electron/core/eval/evaluator.js';
import { Judge } from '../electron/core/eval/judge.js';
import { Teachers } from '../electron/core/teacher/create-teacher.js';
import { writeEvalTaxonomy } from '../test/helpers/eval-kit.js';
import { tinyGguf } from '../test/helpers/tiny-gguf.js';
import { NATIVE_DIR, TRAINER_PYTHON, tinyModel } from '../test/helpers/tiny-kit.js';

const CKPTS = Number(process.env.BENCH_CKPTS ?? 3);
const THREADS = Number(process.env.BENCH_THREADS ?? 1);
const LARGE = process.env.BENCH_LARGE !== '0';
const work = mkdtempSync(path.join(os.tmpdir(), 'labforge-bench-eval-'));
const host = new ModelHost({ threads: THREADS });
const teachers = new Teachers({ host, models: { find: () => null } });

try {
  const base = await tinyModel(path.join(work, 'base'));
  const ckpts = Array.from({ length: CKPTS }, (_, i) => {
    const p = path.join(work, `ckpt-${i}`);
    cpSync(base, p, { recursive: true });
    return p;
  });
  const leaves = await loadEvalLeaves(writeEvalTaxonomy(path.join(work, 'tax')));
  const judgeGguf = await tinyGguf();
  const source = new PythonAnswerSource({
    python: TRAINER_PYTHON,
    nativeDir: NATIVE_DIR,
    workDir: work,
    device: 'cpu',
    env: { OMP_NUM_THREADS: String(THREADS) },
  });
  const openJudge = async (): Promise<Judge> => new Judge(await teachers.create(judgeGguf, { concurrency: 4 }));
  const signal = new AbortController().signal;
  const once = async (ids: string[], judge: Judge): Promise<number> => {
    const reports = await evaluate({
      candidates: ids.map((p, i) => ({ id: `c${i}`, ref: describeModel(p) })),
      base: describeModel(base),
      leaves,
      benchmarks: ['mmlu_branch', 'mt_bench_branch'],
      judge,
      sources: { transformers: source, gguf: null },
      maxNewTokens: 16,
      signal,
    });
    const r = [...reports.values()][0]!;
    return r.benchmarks.mmlu_branch!.questions.length + r.benchmarks.mt_bench_branch!.questions.length;
  };

  const rows: Array<[string, number, number]> = [];
  // kept: one call for every checkpoint
  let t0 = performance.now();
  let judge = await openJudge();
  const perModel = await once(ckpts, judge);
  await judge.teacher.dispose();
  rows.push(['kept (LabForge)', performance.now() - t0, perModel * CKPTS]);
  // per checkpoint, judge kept
  t0 = performance.now();
  judge = await openJudge();
  for (const c of ckpts) await once([c], judge);
  await judge.teacher.dispose();
  rows.push(['per-ckpt, judge kept', performance.now() - t0, perModel * CKPTS]);
  // per checkpoint, judge reloaded
  t0 = performance.now();
  for (const c of ckpts) {
    const j = await openJudge();
    await once([c], j);
    await j.teacher.dispose();
  }
  rows.push(['per-ckpt, judge reloaded', performance.now() - t0, perModel * CKPTS]);

  console.log(
    `${CKPTS} checkpoints + base, ${perModel} questions per checkpoint (MMLU-branch + MT-Bench-branch), CPU, ${THREADS} thread(s)`,
  );
  console.log('mode                        seconds   questions/min   vs kept');
  const kept = rows[0]![1];
  for (const [name, ms, q] of rows)
    console.log(
      `${name.padEnd(26)} ${(ms / 1000).toFixed(1).padStart(8)} ${((q / ms) * 60_000).toFixed(1).padStart(15)} ${(kept / ms).toFixed(2).padStart(9)}x`,
    );

  const loadTime = async (gguf: string): Promise<number> => {
    const t = performance.now();
    const teacher = await teachers.create(gguf, { concurrency: 4 });
    await teacher.dispose();
    return performance.now() - t;
  };
  console.log(`\njudge load + unload, tiny GGUF (~0.5 MB): ${(await loadTime(judgeGguf)).toFixed(0)} ms`);
  if (LARGE) {
    const large = await tinyGguf({
      layers: 6,
      embd: 1024,
      ff: 4096,
      heads: 16,
      dtype: 'f16',
      ctx: 1024,
      name: 'bench-f16',
    });
    console.log(
      `judge load + unload, f16 GGUF (~200 MB): ${(await loadTime(large)).toFixed(0)} ms (paid once per checkpoint when reloaded)`,
    );
  }
} finally {
  await host.dispose();
  rmSync(work, { recursive: true, force: true });
}
