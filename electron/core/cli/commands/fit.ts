import type { FitParams, FitResult } from '../../../shared/contract/index.js';
import { AppError } from '../../../shared/errors.js';
import type { Command, CommandArgs } from '../command.js';
import { withClient } from '../with-core.js';

const gb = (n: number): string => `${(n / 2 ** 30).toFixed(1)} GB`;

/** `labforge fit --json`: the contract's result with the top-level names scripts expect. */
export function fitJson(r: FitResult): Record<string, unknown> {
  return {
    fits: r.fits,
    task: r.task,
    method: r.method,
    model: r.model,
    required_bytes: r.requiredBytes,
    available_bytes: r.availableBytes,
    device: r.device,
    gpus: r.gpus,
    devices: r.devices,
    breakdown: r.breakdown,
    largest: r.largest,
    preset: r.preset,
    reason: r.reason,
    unknowns: r.unknowns,
    hardware: r.hardware,
  };
}

export function formatFit(r: FitResult): string[] {
  const lines = [`${r.fits ? 'Fits' : 'Does not fit'}: ${r.reason}`];
  for (const d of r.devices)
    lines.push(`  ${d.device}: ${gb(d.requiredBytes)} of ${gb(d.availableBytes)}${d.fits ? '' : '  (too little)'}`);
  lines.push(
    `  on ${r.device}: ${Object.entries(r.breakdown)
      .map(([k, v]) => `${k} ${gb(v)}`)
      .join(', ')}`,
  );
  if (r.largest.context !== null || r.largest.batchSize !== null)
    lines.push(
      `  largest: ${r.task === 'chat' ? 'context' : 'tokens per step'} ${r.largest.context ?? '-'}, ${r.task === 'chat' ? 'parallel sequences' : 'batch'} ${r.largest.batchSize ?? '-'}`,
    );
  if (r.preset) lines.push(`  preset: ${r.preset.reason}`);
  for (const u of r.unknowns) lines.push(`  note: ${u}`);
  return lines;
}

const int = (args: CommandArgs, name: string): number | undefined => {
  const v = args.values[name];
  if (typeof v !== 'string') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new AppError('INVALID_REQUEST', `--${name} must be a whole number, not "${v}"`);
  return n;
};

export const fitCommand: Command = {
  name: 'fit',
  summary: 'Will a model run here? Memory needed vs available for chat or training, and a preset',
  usage:
    'labforge fit MODEL --task chat|train [--method lora|qlora|full] [--context N] [--gpus N] [--batch N] [--profile ID] [--data-dir DIR] [--json]\n' +
    '  MODEL: a .gguf file, a Hugging Face folder (config.json), or a library/catalog id. Exit code 3 when it does not fit.',
  options: {
    task: { type: 'string' },
    method: { type: 'string' },
    context: { type: 'string' },
    gpus: { type: 'string' },
    batch: { type: 'string' },
    profile: { type: 'string' },
  },
  run: (args, io) =>
    withClient(args, async (api) => {
      const [model] = args.positionals;
      const task = args.values.task;
      if (!model || (task !== 'chat' && task !== 'train')) {
        io.err(`Usage: ${fitCommand.usage}`);
        return 2;
      }
      const method = args.values.method;
      const params: FitParams = {
        model,
        task,
        method: method === 'lora' || method === 'qlora' || method === 'full' ? method : undefined,
        context: int(args, 'context'),
        gpus: int(args, 'gpus'),
        batchSize: int(args, 'batch'),
        profile: typeof args.values.profile === 'string' ? args.values.profile : undefined,
      };
      if (typeof method === 'string' && params.method === undefined)
        throw new AppError('INVALID_REQUEST', `--method must be lora, qlora or full, not "${method}"`);
      const r = await api.call('hardware.fit', params);
      if (args.values.json) io.out(JSON.stringify(fitJson(r)));
      else for (const l of formatFit(r)) io.out(l);
      return r.fits ? 0 : 3;
    }),
};
