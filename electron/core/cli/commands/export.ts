import { exportParamsSchema, jobResult } from '../../../shared/contract/index.js';
import { AppError } from '../../../shared/errors.js';
import type { Command } from '../command.js';
import { followAndPrint, reportJobEnd } from '../follow-job.js';
import { withClient } from '../with-core.js';

export const exportCommand: Command = {
  name: 'export',
  summary: 'Merge a checkpoint and convert it to GGUF (checked against the checkpoint), into the model library',
  usage:
    'labforge export --checkpoint DIR [--quant f32|f16|bf16|q8_0] [--out FILE] [--name NAME] [--overwrite] [--python PATH] [--data-dir DIR] [--json]',
  options: {
    checkpoint: { type: 'string' },
    quant: { type: 'string', default: 'q8_0' },
    out: { type: 'string' },
    name: { type: 'string' },
    overwrite: { type: 'boolean', default: false },
    python: { type: 'string' },
  },
  run: (args, io) =>
    withClient(args, async (api) => {
      const v = args.values;
      const parsed = exportParamsSchema.safeParse({
        checkpoint: v.checkpoint,
        quant: v.quant,
        out: v.out,
        name: v.name,
        python: v.python,
        overwrite: v.overwrite === true,
      });
      if (!parsed.success) {
        const i = parsed.error.issues[0]!;
        throw new AppError('INVALID_REQUEST', `--${String(i.path[0])}: ${i.message}`, {
          hint: `Usage: ${exportCommand.usage}`,
        });
      }
      const job = await api.call('export.gguf', parsed.data);
      const done = await followAndPrint(api, io, job.id);
      const r = jobResult('export.gguf', done);
      if (!r) {
        if (v.json) io.out(JSON.stringify(done));
        return reportJobEnd(io, 'export', done, 8);
      }
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
