import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { JobInfo, PipelineRecord } from '../../../shared/contract/index.js';
import type { ApiClient } from '../../../shared/client.js';
import type { CliIo, Command } from '../command.js';
import { followAndPrint, reportJobEnd } from '../follow-job.js';
import { withClient } from '../with-core.js';
import { fileKeyOf, lineOfField, parsePipelineFile } from '../../pipeline/pipeline-file.js';

const fmtSecs = (s: number | null): string =>
  s === null
    ? '?'
    : s < 90
      ? `${Math.round(s)} s`
      : s < 5400
        ? `${Math.round(s / 60)} min`
        : `${(s / 3600).toFixed(1)} h`;

function printSummary(io: CliIo, r: PipelineRecord): void {
  io.out(`LAB run ${r.name} (${r.jobId})`);
  io.out(`  taxonomy commit  ${r.taxonomyCommit ?? '-'}  (${r.leaves.length} leaves)`);
  for (const s of r.stages) {
    const secs = s.startedAt && s.endedAt ? ` in ${fmtSecs((s.endedAt - s.startedAt) / 1000)}` : '';
    const bits = Object.entries(s.summary)
      .filter(([, v]) => v !== null && typeof v !== 'boolean')
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    io.out(`  ${s.name.padEnd(9)} ${s.state}${secs}${bits ? `: ${bits}` : ''}`);
  }
  for (const b of r.evaluation?.benchmarks ?? [])
    io.out(`  ${b.name.padEnd(16)} base ${b.base ?? '-'} → tuned ${b.model ?? '-'}`);
  if (r.gguf) io.out(`  gguf             ${r.gguf}`);
  if (r.baseGguf) io.out(`  base gguf        ${r.baseGguf}`);
}

/** Where it stopped and why, from the record (the stage's error has the child job's last lines). */
function printStop(io: CliIo, r: PipelineRecord, job: JobInfo): number {
  const stage = r.stages.find((s) => s.state === 'failed' || s.state === 'cancelled' || s.state === 'running');
  if (stage) io.err(`labforge run: stopped at ${stage.name} (${stage.state})`);
  const code = reportJobEnd(io, 'run', job);
  io.err(
    `Run the same command again to resume; finished stages (${
      r.stages
        .filter((s) => s.state === 'done')
        .map((s) => s.name)
        .join(', ') || 'none'
    }) are kept.`,
  );
  return code;
}

export const runCommand: Command = {
  name: 'run',
  summary: 'Run the whole LAB pipeline from a file: generate, train, evaluate, export (resumes when run again)',
  usage: 'labforge run PIPELINE.yaml [--json] [--data-dir DIR]',
  options: {},
  run: async (args, io) => {
    const [file] = args.positionals;
    if (!file) {
      io.err(`Usage: ${runCommand.usage}`);
      return 2;
    }
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      io.err(`labforge run: cannot read ${file}: ${(err as Error).message}`);
      return 2;
    }
    const parsed = parsePipelineFile(text, file);
    if (!parsed.params) {
      for (const p of parsed.problems) io.err(`${file}:${p.line ?? '?'}: ${p.key}: ${p.message}`);
      io.err(`labforge run: ${parsed.problems.length} problem(s) in ${file}; nothing was started.`);
      return 2;
    }
    const params = {
      ...parsed.params,
      out:
        parsed.params.out ??
        path.join(path.dirname(path.resolve(file)), 'runs', path.basename(file, path.extname(file))),
    };
    const json = args.values.json === true;
    return withClient(args, async (api: ApiClient) => {
      const before = await api.call('pipeline.find', { out: params.out });
      let job: JobInfo;
      if (before) {
        job = await api.call('jobs.get', { id: before.jobId });
        if (job.state === 'succeeded') {
          io.err(`labforge run: ${params.out} is a finished run; showing it (use another out: for a new run).`);
        } else {
          if (JSON.stringify(before.params) !== JSON.stringify(params))
            io.err(
              'labforge run: the file changed since this run started; the run goes on with its original settings.',
            );
          io.err(`labforge run: resuming run ${before.jobId} in ${params.out}`);
          if (job.state !== 'queued' && job.state !== 'running') job = await api.call('jobs.resume', { id: job.id });
        }
      } else {
        const check = await api.call('pipeline.check', params);
        for (const w of check.warnings) io.err(`warning: ${w}`);
        if (!check.ok) {
          for (const p of check.problems) {
            const where = p.file ? `${p.file}:${p.line ?? '?'}` : `${file}:${lineOfField(text, p.field) ?? '?'}`;
            io.err(`${where}: ${p.file ? 'taxonomy' : fileKeyOf(p.field)}: ${p.message}`);
          }
          io.err(`labforge run: ${check.problems.length} problem(s); nothing was started.`);
          return 2;
        }
        for (const e of check.estimates)
          io.err(`  ${e.stage.padEnd(9)} ~${fmtSecs(e.seconds)}  ${e.what} (${e.basis})`);
        job = await api.call('pipeline.start', params);
        io.err(`labforge run: started run ${job.id} in ${params.out}`);
      }
      const end =
        job.state === 'succeeded'
          ? job
          : await followAndPrint(api, io, job.id, {
              everyMs: 2000,
              line: (j) => `[${Math.round((j.progress.fraction ?? 0) * 100)}%] ${j.progress.stage ?? j.state}`,
            });
      const record = await api.call('pipeline.get', { jobId: job.id });
      if (json)
        io.out(JSON.stringify({ ok: end.state === 'succeeded', state: end.state, error: end.error, ...record }));
      else if (end.state === 'succeeded') printSummary(io, record);
      return end.state === 'succeeded' ? 0 : printStop(io, record, end);
    });
  },
};
