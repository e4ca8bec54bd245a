import { describe, expect, it } from 'vitest';
import type { JobInfo } from '../../../../electron/shared/contract';
import { downloadPhase, formatBytes, jobForSource, roughFit } from './download-state';

const job = (over: Partial<JobInfo>): JobInfo => ({
  id: 'j',
  kind: 'models.download',
  title: 't',
  params: { repo: 'o/r', revision: 'main', files: ['m.gguf'], roles: [] },
  state: 'running',
  progress: { fraction: 0.5, stage: null, etaSeconds: 3, metrics: {} },
  result: null,
  error: null,
  resumable: true,
  usesGpu: false,
  createdAt: 1,
  startedAt: 1,
  endedAt: null,
  ...over,
});
const gguf = {
  kind: 'gguf' as const,
  repo: 'o/r',
  file: 'm.gguf',
  revision: 'main',
  quantization: 'Q4_K_M',
  sizeBytes: 4e9,
  sizeBasis: 'hub' as const,
};

describe('download state', () => {
  it('calls a download stopped with its files kept, or cut by a restart, paused', () => {
    expect(downloadPhase(job({}))).toBe('active');
    expect(
      downloadPhase(
        job({ state: 'cancelled', progress: { fraction: 0.5, stage: 'paused', etaSeconds: null, metrics: {} } }),
      ),
    ).toBe('paused');
    expect(downloadPhase(job({ state: 'interrupted' }))).toBe('paused');
    expect(
      downloadPhase(
        job({ state: 'cancelled', progress: { fraction: 0.5, stage: 'stopped', etaSeconds: null, metrics: {} } }),
      ),
    ).toBe('cancelled');
  });
  it('finds the job of a catalog source and estimates a fit from the size', () => {
    expect(jobForSource([job({})], gguf)?.id).toBe('j');
    expect(jobForSource([job({})], { ...gguf, file: 'other.gguf' })).toBeNull();
    const hw = { memory: { totalMb: 16384, availableMb: 8000 }, gpus: [] };
    expect(roughFit(gguf, hw)?.fits).toBe(true);
    expect(roughFit({ ...gguf, sizeBytes: 26.4e9 }, hw)).toMatchObject({ fits: false });
    expect(formatBytes(26.4e9)).toBe('26.4 GB');
  });
});
