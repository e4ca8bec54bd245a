import { jobResult, type HardwareReport } from '../../../shared/contract/index.js';
import type { Command } from '../command.js';
import { followJob } from '../follow-job.js';
import { withClient } from '../with-core.js';
import { formatHardware } from './scan.js';

const MARK = { ok: 'ok  ', warn: 'warn', fail: 'FAIL' } as const;

/** The readiness report as `labforge hardware --json` prints it (the issue's field names). */
export function hardwareJson(r: HardwareReport): Record<string, unknown> {
  const i = r.info;
  return {
    scanned_at: i.scannedAt,
    os: i.os,
    gpus: i.gpus,
    cpu: i.cpu,
    memory: i.memory,
    disk: i.disk,
    backends: i.backends,
    trainer: i.trainer,
    profile: r.profile,
    training_preset: r.training,
    checks: r.checks,
    probes: i.probes,
    notes: i.notes,
  };
}

export function formatReport(r: HardwareReport): string[] {
  const lines = formatHardware(r.info);
  const b = r.info.backends;
  lines.push(
    `Engine: node-llama-cpp ${b ? `uses ${b.selected ?? 'nothing'} (can use ${b.supported.join(', ')})` : 'detection failed'}`,
  );
  lines.push(`Profile: ${r.profile.name} (${r.profile.id}): ${r.profile.reason}`);
  lines.push('', 'Readiness:');
  for (const c of r.checks) lines.push(`  [${MARK[c.status]}] ${c.title}: ${c.reason}`);
  if (r.training) {
    const t = r.training;
    lines.push(
      '',
      `Training preset: ${t.method}${t.loraRank ? ` (rank ${t.loraRank})` : ''}, ${t.precision}, ${t.gpus} GPU(s)${t.gpus > 1 ? ` ${t.sharding}` : ''}, max_batch_len ${t.maxBatchLen}, effective batch ${t.effectiveBatchSize}${t.gradientCheckpointing ? ', gradient checkpointing' : ''}${t.offloadOptimizer ? ', optimizer offload' : ''}`,
    );
  }
  const failed = r.info.probes.filter((p) => p.status === 'fail');
  if (failed.length) lines.push('', 'Could not detect:', ...failed.map((p) => `  ${p.id}: ${p.reason}`));
  return lines;
}

export const hardwareCommand: Command = {
  name: 'hardware',
  summary: 'Readiness report: GPUs, CPU, memory, disk, inference backends, profile and checks',
  usage: 'labforge hardware [--cached] [--data-dir DIR] [--json]   (--cached: the last scan instead of a new one)',
  options: { cached: { type: 'boolean', default: false } },
  run: (args, io) =>
    withClient(
      args,
      async (api) => {
        let report = args.values.cached ? await api.call('hardware.report', {}) : null;
        if (!report) {
          const job = await followJob(api, (await api.call('system.scan', {})).id);
          if (!jobResult('system.scan', job)) {
            io.err(`labforge hardware: ${job.error?.message ?? job.state}`);
            return 1;
          }
          report = await api.call('hardware.report', {});
        }
        if (!report) {
          io.err('labforge hardware: no scan result');
          return 1;
        }
        if (args.values.json) io.out(JSON.stringify(hardwareJson(report)));
        else for (const l of formatReport(report)) io.out(l);
        return 0;
      },
      // The terminal waits for the trainer check (importing torch) instead of reporting it pending.
      { hardware: { trainerTimeoutMs: 60_000 } },
    ),
};
