import path from 'node:path';
import {
  jobParams,
  jobResult,
  sdgParamsSchema,
  type JobInfo,
  type SdgResult,
  type SdgStatus,
} from '../../../shared/contract/index.js';
import type { ApiClient } from '../../../shared/client.js';
import { AppError, toErrorInfo } from '../../../shared/errors.js';
import { formatFinding, type Finding } from '../../../shared/taxonomy/index.js';
import type { CliIo, Command, CommandArgs } from '../command.js';
import { followAndPrint, reportJobEnd } from '../follow-job.js';
import { withClient } from '../with-core.js';

const USAGE =
  'labforge generate --taxonomy DIR [--base REF] --teacher MODEL_OR_URL [--teacher-model NAME]\n' +
  '       [--judge MODEL_OR_URL] [--judge-model NAME] [--api-key-env VAR] [--pipeline simple|full]\n' +
  '       [--scale N] [--concurrency N] [--replay FILE] [--flows DIR] --out DIR [--resume] [--json]\n' +
  '  --flows DIR: a folder of flow YAML files used instead of the built-in ones (resources/flows)';

const FLAGS: Record<string, string> = {
  taxonomy: '--taxonomy',
  teacher: '--teacher',
  teacherModel: '--teacher-model',
  judgeModel: '--judge-model',
  apiKeyEnv: '--api-key-env',
  flowsDir: '--flows',
  out: '--out',
};

function paramsOf(v: CommandArgs['values']) {
  const str = (k: string): string | undefined => (typeof v[k] === 'string' ? (v[k] as string) : undefined);
  const num = (k: string): number | undefined => {
    const s = str(k);
    if (s === undefined) return undefined;
    const n = Number(s);
    if (!Number.isInteger(n)) throw new AppError('INVALID_REQUEST', `--${k} must be a whole number (got "${s}")`);
    return n;
  };
  for (const k of ['taxonomy', 'teacher', 'out'])
    if (!str(k)) throw new AppError('INVALID_REQUEST', `--${k} is required`, { hint: `Usage: ${USAGE}` });
  const r = sdgParamsSchema.safeParse({
    taxonomy: path.resolve(str('taxonomy')!),
    base: str('base'),
    teacher: str('teacher'),
    teacherModel: str('teacher-model'),
    judge: str('judge'),
    judgeModel: str('judge-model'),
    apiKeyEnv: str('api-key-env'),
    pipeline: str('pipeline') ?? 'full',
    scale: num('scale'),
    concurrency: num('concurrency'),
    replay: str('replay') ? path.resolve(str('replay')!) : undefined,
    flowsDir: str('flows') ? path.resolve(str('flows')!) : undefined,
    out: path.resolve(str('out')!),
  });
  if (!r.success) {
    const i = r.error.issues[0]!;
    const key = String(i.path[0]);
    throw new AppError('INVALID_REQUEST', `${FLAGS[key] ?? `--${key}`}: ${i.message}`, { hint: `Usage: ${USAGE}` });
  }
  return r.data;
}

/** `labforge generate --json`: exactly the issue's summary keys. */
export const summaryOf = (r: SdgResult) => ({
  out: r.out,
  files: r.files,
  leaves: r.leaves,
  totals: r.totals,
  teacher: r.teacher,
  seconds: r.seconds,
  samples_per_min: r.samples_per_min,
  tokens_per_s: r.tokens_per_s,
});

const eta = (s: number | null): string =>
  s === null ? '' : s >= 3600 ? `${(s / 3600).toFixed(1)} h` : s >= 60 ? `${Math.round(s / 60)} min` : `${s} s`;

function progressLines(s: SdgStatus): string[] {
  return s.leaves
    .filter((l) => l.state === 'running')
    .map(
      (l) =>
        `${l.leaf}: ${l.block ?? ''} ${l.done}/${l.total} (block ${l.blockIndex + 1}/${l.blocks}), ` +
        `${l.generated} generated, ${l.samplesPerMin.toFixed(1)} samples/min${l.etaSeconds ? `, ETA ${eta(l.etaSeconds)}` : ''}`,
    );
}

/** An unfinished generation job writing to the same folder: the same command again continues it. */
async function unfinished(api: ApiClient, out: string): Promise<JobInfo | null> {
  const jobs = await api.call('jobs.list', { kind: 'sdg.generate', limit: 50 });
  return (
    jobs.find((j) => {
      const p = jobParams('sdg.generate', j);
      return p?.out === out && ['interrupted', 'failed', 'cancelled'].includes(j.state);
    }) ?? null
  );
}

async function run(args: CommandArgs, io: CliIo): Promise<number> {
  const params = paramsOf(args.values);
  const json = args.values.json === true;
  return withClient(args, async (api) => {
    try {
      const pre = await api.call('sdg.preflight', params);
      for (const w of pre.warnings) io.err(`Warning: ${w}`);
      io.err(`${pre.leaves.length} leaf(s) selected (base ${pre.base}):`);
      for (const l of pre.leaves) io.err(`  ${l.leaf}  [${l.flow}]`);
    } catch (err) {
      const e = toErrorInfo(err);
      const findings = (e.details as { findings?: Finding[] } | undefined)?.findings;
      if (e.code !== 'VALIDATION_FAILED' || !findings) throw err;
      if (json) io.out(JSON.stringify({ error: { code: e.code, message: e.message }, findings }));
      for (const f of findings) io.err(formatFinding(f));
      io.err(`labforge generate: ${e.message}`);
      return 1;
    }
    const prev = await unfinished(api, params.out!);
    const job = prev ? await api.call('jobs.resume', { id: prev.id }) : await api.call('sdg.start', params);
    io.err(
      prev || args.values.resume
        ? `Resuming generation job ${job.id}: answers already in ${params.out}/journal.jsonl are not asked again.`
        : `Generation job ${job.id} started (Ctrl+C stops it; the same command resumes it).`,
    );
    let last = 0;
    const off = api.on('sdg.progress', (s) => {
      if (s.jobId !== job.id || Date.now() - last < 2000) return;
      last = Date.now();
      for (const line of progressLines(s)) io.err(line);
    });
    const done = await followAndPrint(api, io, job.id, {
      line: () => null,
      onStop: 'Stopping: every answer received so far is kept in the journal...',
    }).finally(off);
    const r = jobResult('sdg.generate', done);
    if (r) {
      if (json) io.out(JSON.stringify(summaryOf(r)));
      else {
        for (const l of r.leaves) {
          const drops = Object.entries(l.dropped).map(([k, n]) => `${k} ${n}`);
          io.out(`${l.leaf}: ${l.kept} kept of ${l.generated}${drops.length ? ` (dropped: ${drops.join(', ')})` : ''}`);
        }
        io.out(`Knowledge (phase 1): ${r.files.knowledge ?? 'none'}`);
        io.out(`Skills (phase 2):    ${r.files.skills ?? 'none'}`);
        io.out(
          `${r.seconds} s, ${r.samples_per_min} samples/min, ${r.tokens_per_s} tokens/s; card: ${r.out}/dataset-card.md`,
        );
      }
      for (const w of r.warnings) io.err(`Warning: ${w}`);
      return 0;
    }
    if (done.state === 'cancelled') {
      io.err('Stopped. Run the same command again to continue where it stopped.');
      return 130;
    }
    if (json) io.out(JSON.stringify({ error: done.error }));
    const code = reportJobEnd(io, 'generate', done);
    io.err('Nothing received so far is lost: run the same command again to continue.');
    return code;
  });
}

export const generateCommand: Command = {
  name: 'generate',
  summary: 'Synthetic data generation (LAB) from the taxonomy with a local or remote teacher',
  usage: USAGE,
  options: {
    taxonomy: { type: 'string' },
    base: { type: 'string' },
    teacher: { type: 'string' },
    'teacher-model': { type: 'string' },
    judge: { type: 'string' },
    'judge-model': { type: 'string' },
    'api-key-env': { type: 'string' },
    pipeline: { type: 'string' },
    scale: { type: 'string' },
    concurrency: { type: 'string' },
    replay: { type: 'string' },
    flows: { type: 'string' },
    out: { type: 'string' },
    resume: { type: 'boolean', default: false },
  },
  run,
};
