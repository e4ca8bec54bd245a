import type { ExportResult } from '../../../shared/contract/index.js';
import { exportParamsSchema } from '../../../shared/contract/index.js';
import { AppError } from '../../../shared/errors.js';
import type { Command } from '../command.js';
import { withCore } from '../with-core.js';

export const exportCommand: Command = {
  name: 'export',
  summary: 'Merge a checkpoint and convert it to GGUF (checked against the checkpoint), into the model library',
  usage:
    'labforge export --checkpoint DIR [--quant f32|f16|bf16|q8_0] [--out FILE] [--name NAME] [--python PATH] [--data-dir DIR] [--json]',
  options: {
    checkpoint: { type: 'string' },
    quant: { type: 'string', default: 'q8_0' },
    out: { type: 'string' },
    name: { type: 'string' },
    python: { type: 'string' },
  },
  run: (args, io) =>
    withCore(args, async (core) => {
      const v = args.values;
      const parsed = exportParamsSchema.safeParse({
        checkpoint: v.checkpoint,
        quant: v.quant,
        out: v.out,
        name: v.name,
        python: v.python,
      });
      if (!parsed.success) {
        const i = parsed.error.issues[0]!;
        throw new AppError('INVALID_REQUEST', `--${String(i.path[0])}: ${i.message}`, {
          hint: `Usage: ${exportCommand.usage}`,
        });
      }
      const job = core.jobs.start('export.gguf', parsed.data);
      let stage = '';
      const sub = core.jobs.onDidChangeJob((j) => {
        if (j.id === job.id && j.progress.stage && j.progress.stage !== stage)
          io.err(`${(stage = j.progress.stage)}...`);
      });
      const stop = (): void => void core.jobs.cancel(job.id);
      process.once('SIGINT', stop);
      const done = await core.jobs.waitFor(job.id);
      process.off('SIGINT', stop);
      sub.dispose();
      if (done.state !== 'succeeded') {
        if (v.json) io.out(JSON.stringify(done));
        const lines = (done.error?.details as { lastLines?: string[] } | undefined)?.lastLines ?? [];
        for (const l of lines.slice(-8)) io.err(`  | ${l}`);
        io.err(`labforge export: ${done.error?.message ?? done.state}${done.error?.hint ? ` ${done.error.hint}` : ''}`);
        return done.state === 'cancelled' ? 130 : 1;
      }
      const r = done.result as ExportResult;
      if (v.json) io.out(JSON.stringify(r));
      else {
        io.out(`Exported ${r.path} (${(r.sizeBytes / 2 ** 20).toFixed(1)} MiB, ${r.quant})`);
        io.out(
          `Check: chat template present; ${r.check.identical}/${r.check.prompts} greedy answers identical to the checkpoint`,
        );
      }
      return 0;
    }),
};
