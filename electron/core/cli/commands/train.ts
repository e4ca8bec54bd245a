import { jobResult, trainingParamsSchema, type JobInfo } from '../../../shared/contract/index.js';
import { AppError } from '../../../shared/errors.js';
import type { Command } from '../command.js';
import { followAndPrint, reportJobEnd } from '../follow-job.js';
import { withClient } from '../with-core.js';

const num = (v: unknown, flag: string): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new AppError('INVALID_REQUEST', `${flag} must be a number (got "${String(v)}")`);
  return n;
};

export const trainCommand: Command = {
  name: 'train',
  summary: 'Multi-phase LAB training: knowledge, then skills (LoRA, QLoRA, full fine-tuning or OSFT)',
  usage:
    'labforge train --data DIR --base MODEL --method lora|qlora|full|osft [--phases knowledge,skills] [--epochs N] [--lr X]\n' +
    '       [--batch-size N] [--max-batch-len N] [--max-seq-len N] [--warmup N] [--device auto|cpu|cuda]\n' +
    '       [--precision auto|bf16|fp16|fp32] [--gradient-checkpointing] [--lora-targets attention|all-linear]\n' +
    '       [--nproc-per-node N] [--nnodes N --node-rank R --master-addr HOST] [--python PATH] --out DIR\n' +
    '       labforge train --resume JOB_ID',
  options: {
    data: { type: 'string' },
    base: { type: 'string' },
    method: { type: 'string', default: 'lora' },
    phases: { type: 'string', default: 'knowledge,skills' },
    epochs: { type: 'string' },
    lr: { type: 'string' },
    'batch-size': { type: 'string' },
    'max-batch-len': { type: 'string' },
    'max-seq-len': { type: 'string' },
    'min-seq-len': { type: 'string' },
    warmup: { type: 'string' },
    'lora-rank': { type: 'string' },
    'lora-targets': { type: 'string' },
    precision: { type: 'string', default: 'auto' },
    'gradient-checkpointing': { type: 'boolean', default: false },
    device: { type: 'string', default: 'auto' },
    'nproc-per-node': { type: 'string' },
    nnodes: { type: 'string' },
    'node-rank': { type: 'string' },
    'master-addr': { type: 'string' },
    python: { type: 'string' },
    out: { type: 'string' },
    resume: { type: 'string' },
  },
  run: (args, io) =>
    withClient(args, async (api) => {
      const v = args.values;
      let job: JobInfo;
      if (typeof v.resume === 'string') job = await api.call('jobs.resume', { id: v.resume });
      else {
        const parsed = trainingParamsSchema.safeParse({
          data: v.data,
          baseModel: v.base,
          method: v.method,
          phases: String(v.phases)
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean),
          epochs: num(v.epochs, '--epochs'),
          learningRate: num(v.lr, '--lr'),
          effectiveBatchSize: num(v['batch-size'], '--batch-size'),
          maxBatchLen: num(v['max-batch-len'], '--max-batch-len'),
          maxSeqLen: num(v['max-seq-len'], '--max-seq-len'),
          minSeqLen: num(v['min-seq-len'], '--min-seq-len'),
          warmupSteps: num(v.warmup, '--warmup'),
          loraRank: num(v['lora-rank'], '--lora-rank'),
          loraTargets: v['lora-targets'],
          precision: v.precision,
          gradientCheckpointing: v['gradient-checkpointing'] === true,
          device: v.device,
          nprocPerNode: num(v['nproc-per-node'], '--nproc-per-node'),
          nnodes: num(v.nnodes, '--nnodes'),
          nodeRank: num(v['node-rank'], '--node-rank'),
          masterAddr: v['master-addr'],
          outDir: v.out,
          python: v.python,
        });
        if (!parsed.success) {
          const i = parsed.error.issues[0]!;
          const flag =
            {
              data: '--data',
              baseModel: '--base',
              outDir: '--out',
              learningRate: '--lr',
              loraTargets: '--lora-targets',
              gradientCheckpointing: '--gradient-checkpointing',
            }[String(i.path[0])] ?? `--${String(i.path[0])}`;
          throw new AppError('INVALID_REQUEST', `${flag}: ${i.message}`, {
            hint: `Usage: ${trainCommand.usage.split('\n')[0]}`,
          });
        }
        if (!parsed.data.outDir) throw new AppError('INVALID_REQUEST', '--out DIR is required');
        job = await api.call('training.start', parsed.data);
      }
      io.err(`Training job ${job.id} started (Ctrl+C stops it with a resumable checkpoint).`);
      const done = await followAndPrint(api, io, job.id, {
        everyMs: 2000,
        onStop: 'Stopping: the trainer writes a checkpoint first...',
        line: (j) => {
          const m = j.progress.metrics;
          return m.loss === undefined
            ? null
            : `${j.progress.stage ?? ''}  step ${m.step}  loss ${m.loss.toFixed(4)}  lr ${m.lr?.toExponential(2)}  ${Math.round(m.tokensPerSec ?? 0)} tok/s`;
        },
      });
      if (v.json) io.out(JSON.stringify(done));
      const r = jobResult('training.run', done);
      if (r) {
        if (!v.json) {
          for (const p of r.phases)
            io.out(
              `${p.name}: best ${p.best ?? '-'}${p.bestEvalLoss !== null ? ` (held-out loss ${p.bestEvalLoss.toFixed(4)})` : ''}`,
            );
          io.out(`Best checkpoint: ${r.bestCheckpoint}`);
        }
        return 0;
      }
      if (done.state === 'cancelled') {
        io.err(`Stopped. Resume with: labforge train --resume ${done.id}`);
        return 130;
      }
      return reportJobEnd(io, 'train', done);
    }),
};
