import type {
  CatalogEntry,
  CatalogSource,
  HardwareInfo,
  JobInfo,
  ModelInfo,
} from '../../../../electron/shared/contract';
import { jobParams } from '../../../../electron/shared/contract';

/** Bytes as a person reads them (decimal, like the hub). */
export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  if (n >= 1e9) return `${(n / 1e9).toFixed(n >= 1e10 ? 1 : 2)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(n >= 1e8 ? 0 : 1)} MB`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(0)} kB`;
  return `${n} B`;
}

export function formatParams(n: number | null | undefined): string {
  if (!n) return '—';
  if (n >= 1e9) return `${(n / 1e9).toFixed(n >= 1e10 ? 0 : 1)}B`;
  return n >= 1e6 ? `${Math.round(n / 1e6)}M` : `${Math.max(1, Math.round(n / 1e3))}k`;
}

/** What a download job looks like to the user: stopped by the user with its files kept is "paused". */
export type DownloadPhase = 'active' | 'paused' | 'failed' | 'done' | 'cancelled';

export function downloadPhase(job: JobInfo): DownloadPhase {
  if (job.state === 'queued' || job.state === 'running') return 'active';
  if (job.state === 'succeeded') return 'done';
  if (job.state === 'interrupted' || (job.state === 'cancelled' && job.progress.stage === 'paused')) return 'paused';
  if (job.state === 'failed') return 'failed';
  return 'cancelled';
}

/** The newest download job of `source` (same repo and files), if any. */
export function jobForSource(jobs: JobInfo[], source: CatalogSource): JobInfo | null {
  const files = source.kind === 'gguf' ? [source.file] : [];
  for (const j of jobs) {
    const p = jobParams('models.download', j);
    if (p && p.repo === source.repo && p.files.join('\n') === files.join('\n')) return j;
  }
  return null;
}

/** The library model downloaded from `source`, if any. */
export function modelForSource(models: ModelInfo[], source: CatalogSource): ModelInfo | null {
  return (
    models.find(
      (m) =>
        m.source?.repo === source.repo &&
        (source.kind === 'gguf'
          ? m.format === 'gguf' && m.source.files.includes(source.file)
          : m.format === 'safetensors'),
    ) ?? null
  );
}

/** Before the estimator answers: file size (plus 20 % for context) against VRAM, then RAM. */
export function roughFit(
  source: CatalogSource,
  hw: Pick<HardwareInfo, 'memory' | 'gpus'> | null,
): { fits: boolean; reason: string } | null {
  if (!hw) return null;
  const need = source.sizeBytes * 1.2;
  const vram = Math.max(0, ...hw.gpus.map((g) => (g.vramMb ?? 0) * 2 ** 20));
  const ram = hw.memory.totalMb * 2 ** 20;
  if (vram >= need) return { fits: true, reason: `${formatBytes(need)} fits the GPU's ${formatBytes(vram)}` };
  if (ram >= need) return { fits: true, reason: `${formatBytes(need)} fits in RAM (${formatBytes(ram)}), on the CPU` };
  return {
    fits: false,
    reason: `needs about ${formatBytes(need)}; this machine has ${formatBytes(Math.max(vram, ram))}`,
  };
}

export const sourceLabel = (s: CatalogSource): string =>
  s.kind === 'gguf' ? `GGUF ${s.quantization}` : 'safetensors (training)';

export const entryShape = (e: CatalogEntry): { name: string; parameters: number; maxContext: number } => ({
  name: e.name,
  parameters: e.parameters,
  maxContext: e.contextLength,
});
