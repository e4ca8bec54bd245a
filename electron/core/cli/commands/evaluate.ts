import { benchmarkNameSchema, evalParamsSchema, jobResult, type EvalReport } from '../../../shared/contract/index.js';
import { AppError } from '../../../shared/errors.js';
import type { Command } from '../command.js';
import { followAndPrint, reportJobEnd } from '../follow-job.js';
import { withClient } from '../with-core.js';

const fmt = (n: number | null, metric: string): string =>
  n === null ? '   -  ' : metric === 'judge_1_10' ? n.toFixed(2).padStart(6) : `${(n * 100).toFixed(1)}%`.padStart(6);

/** The `--json` shape: numbers for both models per benchmark and leaf, and what could not be scored. */
export function evaluateJson(r: EvalReport): unknown {
  return {
    model: r.model.path,
    base: r.base.path,
    judge: r.judge,
    report: r.id,
    issues: r.issues,
    benchmarks: Object.fromEntries(
      Object.entries(r.benchmarks).map(([name, b]) => [
        name,
        {
          status: b.status,
          metric: b.metric,
          method: b.method,
          model: b.model,
          base: b.base,
          summary: b.summary,
          per_leaf: b.per_leaf,
          errors: b.errors,
        },
      ]),
    ),
  };
}

export function evaluateText(r: EvalReport): string[] {
  const lines = [
    `Model ${r.model.path}`,
    `Base  ${r.base.path}`,
    `Judge ${r.judge ? `${r.judge.model} (${r.judge.source})` : 'none'}`,
  ];
  for (const i of r.issues) lines.push(`! ${i.what}: ${i.reason}`);
  for (const [name, b] of Object.entries(r.benchmarks)) {
    lines.push(
      '',
      `${name} [${b.status}, ${b.method}]  model ${fmt(b.model, b.metric)}  base ${fmt(b.base, b.metric)}`,
    );
    const s = b.summary;
    if (b.per_leaf.length)
      lines.push(
        `  improvements ${s.improvements}, regressions ${s.regressions}, no change ${s.noChange}, new ${s.new}`,
      );
    for (const l of b.per_leaf)
      lines.push(
        `  ${l.change.padEnd(10)} ${fmt(l.model, b.metric)} vs ${fmt(l.base, b.metric)}  ${l.leafId}${l.errors ? ` (${l.errors} errors)` : ''}`,
      );
    for (const e of b.errors) lines.push(`  ! ${e.what}: ${e.reason}`);
  }
  return lines;
}

export const evaluateCommand: Command = {
  name: 'evaluate',
  summary: 'Compare a model with its base on the taxonomy changes (MMLU-branch, MT-Bench-branch, fact recall, MMLU)',
  usage:
    'labforge evaluate --model M --base B --taxonomy DIR [--taxonomy-base REF] [--judge URL|GGUF|ID] [--judge-model NAME]\n' +
    '       [--teacher URL|GGUF|ID (writes MMLU-branch distractors)]\n' +
    '       [--benchmarks mmlu_branch,mt_bench_branch,fact_recall,mmlu] [--mmlu-data DIR] [--device auto|cpu|cuda]\n' +
    '       [--max-new-tokens N] [--python PATH] [--out DIR] [--json]',
  options: {
    model: { type: 'string' },
    base: { type: 'string' },
    taxonomy: { type: 'string' },
    'taxonomy-base': { type: 'string' },
    judge: { type: 'string' },
    'judge-model': { type: 'string' },
    teacher: { type: 'string' },
    benchmarks: { type: 'string' },
    'mmlu-data': { type: 'string' },
    device: { type: 'string', default: 'auto' },
    'max-new-tokens': { type: 'string' },
    python: { type: 'string' },
    out: { type: 'string' },
  },
  run: (args, io) =>
    withClient(args, async (api) => {
      const v = args.values;
      const benchmarks =
        typeof v.benchmarks === 'string'
          ? v.benchmarks
              .split(',')
              .map((s) => s.trim())
              .filter(Boolean)
          : undefined;
      for (const b of benchmarks ?? [])
        if (!benchmarkNameSchema.safeParse(b).success)
          throw new AppError('INVALID_REQUEST', `--benchmarks: unknown benchmark "${b}"`, {
            hint: `Known: ${benchmarkNameSchema.options.join(', ')}`,
          });
      const parsed = evalParamsSchema.safeParse({
        model: v.model,
        base: v.base,
        taxonomy: v.taxonomy,
        taxonomyBase: v['taxonomy-base'],
        judge: v.judge,
        judgeModel: v['judge-model'],
        teacher: v.teacher,
        benchmarks,
        mmluData: v['mmlu-data'],
        device: v.device,
        maxNewTokens: v['max-new-tokens'] === undefined ? undefined : Number(v['max-new-tokens']),
        python: v.python,
        outDir: v.out,
      });
      if (!parsed.success) {
        const i = parsed.error.issues[0]!;
        const key = String(i.path[0]);
        const flag = key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`).replace(/^out-dir$/, 'out');
        throw new AppError('INVALID_REQUEST', `--${flag}: ${i.message}`, {
          hint: `Usage: ${evaluateCommand.usage.split('\n')[0]}`,
        });
      }
      const job = await api.call('eval.start', parsed.data);
      io.err(`Evaluation job ${job.id} started.`);
      const done = await followAndPrint(api, io, job.id, {
        everyMs: 2000,
        line: (j) => {
          const q = j.progress.metrics.questionsPerMin;
          return `${j.progress.stage ?? ''} ${Math.round((j.progress.fraction ?? 0) * 100)}%${q ? `  ${q.toFixed(0)} questions/min` : ''}`;
        },
      });
      const result = jobResult('eval.run', done);
      if (!result) return reportJobEnd(io, 'evaluate', done);
      if (v.json) io.out(JSON.stringify(evaluateJson(result.report)));
      else for (const l of evaluateText(result.report)) io.out(l);
      io.err(`Report: ${result.reportPath}`);
      return 0;
    }),
};
