import { jobParams, jobResult, modelRoleSchema, type JobInfo, type ModelInfo } from '../../../shared/contract/index.js';
import { AppError, errorCodes, type ErrorCode } from '../../../shared/errors.js';
import type { ApiClient } from '../../../shared/client.js';
import type { Command, CliIo } from '../command.js';
import { followJob } from '../follow-job.js';
import { withClient } from '../with-core.js';

const size = (n: number): string => (n >= 1e9 ? `${(n / 1e9).toFixed(2)} GB` : `${(n / 1e6).toFixed(1)} MB`);
const line = (m: ModelInfo): string =>
  [
    m.id,
    m.name.padEnd(28),
    m.format.padEnd(11),
    size(m.sizeBytes).padStart(9),
    (m.roles.join(',') || '-').padEnd(14),
    m.source?.repo ?? m.path,
  ].join('  ');

const progressLine = (j: JobInfo): string => {
  const m = j.progress.metrics;
  const pct = j.progress.fraction === null ? '' : `${(j.progress.fraction * 100).toFixed(1).padStart(5)}%  `;
  const bytes = m.bytesTotal ? `${size(m.bytesDone ?? 0)} / ${size(m.bytesTotal)}  ` : '';
  const speed = m.bytesPerSecond ? `${size(m.bytesPerSecond)}/s  ` : '';
  const eta = j.progress.etaSeconds !== null ? `ETA ${j.progress.etaSeconds} s  ` : '';
  return `${pct}${bytes}${speed}${eta}${j.progress.stage ?? ''}`;
};

/** Runs (or resumes) a download and prints its progress; Ctrl-C pauses it. */
async function pull(
  api: ApiClient,
  args: { repo: string; files: string[]; revision: string; name?: string; roles: string[] },
  io: CliIo,
  json: boolean,
): Promise<number> {
  const roles = args.roles.map((r) => {
    const p = modelRoleSchema.safeParse(r);
    if (!p.success)
      throw new AppError('INVALID_REQUEST', `--role must be one of ${modelRoleSchema.options.join(', ')} (got "${r}")`);
    return p.data;
  });
  // The same download stopped earlier (paused, interrupted by a crash, failed) continues where it was.
  const same = (await api.call('jobs.list', { kind: 'models.download', limit: 50 })).find((j) => {
    const p = jobParams('models.download', j);
    return (
      p &&
      j.resumable &&
      j.state !== 'running' &&
      j.state !== 'queued' &&
      p.repo === args.repo &&
      p.revision === args.revision &&
      p.files.join('\n') === args.files.join('\n')
    );
  });
  let job = same
    ? await api.call('jobs.resume', { id: same.id })
    : await api.call('models.download', {
        repo: args.repo,
        files: args.files,
        revision: args.revision,
        name: args.name,
        roles,
      });
  if (same && !json) io.err(`Resuming download ${same.id} (${same.state} before)`);
  const onSigint = (): void => void api.call('models.pauseDownload', { jobId: job.id }).catch(() => undefined);
  process.once('SIGINT', onSigint);
  let last = 0;
  try {
    job = await followJob(api, job.id, (j) => {
      if (json || Date.now() - last < 500 || j.state !== 'running') return;
      last = Date.now();
      io.err(progressLine(j));
    });
  } finally {
    process.off('SIGINT', onSigint);
  }
  const result = jobResult('models.download', job);
  if (result) {
    io.out(json ? JSON.stringify(result) : `Downloaded ${args.repo} as ${result.modelId}: ${result.path}`);
    return 0;
  }
  if (job.state === 'cancelled' && job.progress.stage === 'paused') {
    io.err(`Paused. Run the same command again to resume (job ${job.id}).`);
    return 130;
  }
  if (job.error) {
    const code = errorCodes.find((c): c is ErrorCode => c === job.error?.code) ?? 'INTERNAL';
    throw new AppError(code, job.error.message, { hint: job.error.hint, details: job.error.details });
  }
  io.err(`The download ended ${job.state}.`);
  return 1;
}

export const modelsCommand: Command = {
  name: 'models',
  summary: 'The model library: list, pull from the hub, import a GGUF file or HF folder, remove',
  usage:
    'labforge models [list] | models catalog | models pull REPO [FILE...] [--revision R] [--name N] [--role R]\n' +
    '       | models import PATH [--name NAME] [--copy] | models rm ID [--delete-file] | models hf-cache  [--json]',
  options: {
    name: { type: 'string' },
    copy: { type: 'boolean', default: false },
    revision: { type: 'string', default: 'main' },
    role: { type: 'string', multiple: true, default: [] },
    'delete-file': { type: 'boolean', default: false },
  },
  run: (args, io) =>
    withClient(args, async (api) => {
      const json = Boolean(args.values.json);
      const [sub = 'list', arg, ...more] = args.positionals;
      const name = typeof args.values.name === 'string' ? args.values.name : undefined;
      if (sub === 'list') {
        const models = await api.call('models.list', {});
        if (json) io.out(JSON.stringify(models));
        else if (models.length === 0)
          io.out(
            'No models yet. Pull one with `labforge models pull REPO FILE` or import a file with `labforge models import PATH`.',
          );
        else for (const m of models) io.out(line(m));
        return 0;
      }
      if (sub === 'catalog') {
        const cat = await api.call('models.catalog', {});
        if (json) io.out(JSON.stringify(cat));
        else
          for (const m of cat)
            io.out(
              `${m.id.padEnd(30)}  ${m.roles.join(',').padEnd(22)}  ${m.sources.map((s) => (s.kind === 'gguf' ? `${s.repo} ${s.file} (${size(s.sizeBytes)})` : `${s.repo} (~${size(s.sizeBytes)})`)).join(' | ')}`,
            );
        return 0;
      }
      if (sub === 'pull' && arg) {
        const roles = (args.values.role as string[] | undefined) ?? [];
        return pull(api, { repo: arg, files: more, revision: String(args.values.revision), name, roles }, io, json);
      }
      if (sub === 'import' && arg) {
        const m = await api.call('models.import', { path: arg, name, copy: Boolean(args.values.copy) });
        io.out(
          json
            ? JSON.stringify(m)
            : `Imported ${m.name} (${m.id}): ${m.gguf?.architecture ?? '?'}, context ${m.gguf?.contextLength ?? '?'}`,
        );
        return 0;
      }
      if ((sub === 'rm' || sub === 'remove') && arg) {
        const m = (await api.call('models.list', {})).find((x) => x.id === arg || x.name === arg);
        if (!m)
          throw new AppError('MODEL_NOT_FOUND', `No model ${arg} in the library`, {
            hint: 'See `labforge models list`.',
          });
        await api.call('models.remove', { id: m.id, deleteFile: Boolean(args.values['delete-file']) });
        io.out(json ? JSON.stringify({ removed: m.id }) : `Removed ${m.name} (${m.id}).`);
        return 0;
      }
      if (sub === 'hf-cache') {
        const entries = await api.call('models.hfCache', {});
        if (json) io.out(JSON.stringify(entries));
        else for (const e of entries) io.out(`${e.repo}@${e.revision}  ${e.files.length} files  ${e.path}`);
        return 0;
      }
      io.err(`Usage: ${modelsCommand.usage}`);
      return 2;
    }),
};
