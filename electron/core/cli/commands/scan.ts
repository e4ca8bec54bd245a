import { jobResult, type HardwareInfo } from '../../../shared/contract/index.js';
import type { Command } from '../command.js';
import { followJob } from '../follow-job.js';
import { withClient } from '../with-core.js';

export function formatHardware(h: HardwareInfo): string[] {
  const lines = [
    `OS:     ${h.os.distro} ${h.os.release} (${h.os.platform}-${h.os.arch})`,
    `CPU:    ${h.cpu.manufacturer} ${h.cpu.brand}, ${h.cpu.physicalCores} cores / ${h.cpu.logicalCores} threads`,
    `Memory: ${(h.memory.totalMb / 1024).toFixed(1)} GiB (${(h.memory.availableMb / 1024).toFixed(1)} GiB available)`,
  ];
  if (h.gpus.length === 0) lines.push('GPU:    none found');
  for (const g of h.gpus) {
    const vram = g.vramMb === null ? 'VRAM unknown' : `${(g.vramMb / 1024).toFixed(1)} GiB VRAM`;
    const extra = [g.driverVersion && `driver ${g.driverVersion}`, g.cudaVersion && `CUDA ${g.cudaVersion}`].filter(
      Boolean,
    );
    lines.push(`GPU ${g.index}:  ${g.vendor} ${g.model}, ${vram}${extra.length ? `, ${extra.join(', ')}` : ''}`);
  }
  if (h.disk.freeMb !== null) lines.push(`Disk:   ${(h.disk.freeMb / 1024).toFixed(1)} GiB free at ${h.disk.path}`);
  for (const n of h.notes) lines.push(`Note:   ${n}`);
  return lines;
}

export const scanCommand: Command = {
  name: 'scan',
  summary: 'Detect GPUs (vendor, VRAM, driver, CUDA), CPU, memory and disk',
  usage: 'labforge scan [--data-dir DIR] [--json]',
  options: {},
  run: (args, io) =>
    withClient(args, async (api) => {
      const started = await api.call('system.scan', {});
      const job = await followJob(api, started.id);
      const h = jobResult('system.scan', job);
      if (!h) {
        io.err(`labforge scan: ${job.error?.message ?? job.state}`);
        return 1;
      }
      if (args.values.json) io.out(JSON.stringify(h));
      else for (const l of formatHardware(h)) io.out(l);
      return 0;
    }),
};
