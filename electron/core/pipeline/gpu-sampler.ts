import type { GpuSample, GpuStats, PipelineStageName } from '../../shared/contract/index.js';

const MAX_SAMPLES = 2000;

/**
 * Samples per-GPU memory and utilisation (`hardware.gpuStats`: nvidia-smi / rocm-smi) every
 * `everyMs` while a stage runs. A machine whose first answer has no GPU is not asked again.
 * Past MAX_SAMPLES every other sample is dropped, so a days-long run keeps an even, bounded series.
 */
export class GpuSampler {
  private timer: NodeJS.Timeout | null = null;
  private noGpu = false;
  private busy = false;

  constructor(
    private readonly stats: () => Promise<GpuStats>,
    private readonly samples: GpuSample[],
    private readonly everyMs = 5000,
  ) {}

  start(stage: PipelineStageName): void {
    this.stop();
    if (this.noGpu) return;
    const tick = (): void => void this.sample(stage);
    tick();
    this.timer = setInterval(tick, this.everyMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private async sample(stage: PipelineStageName): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const s = await this.stats();
      if (s.gpus.length === 0) {
        this.noGpu = true;
        this.stop();
        return;
      }
      for (const g of s.gpus)
        this.samples.push({
          time: s.at,
          stage,
          index: g.index,
          memoryUsedMb: g.memoryUsedMb ?? 0,
          memoryTotalMb: g.memoryTotalMb ?? 0,
          utilization: g.utilizationPct ?? 0,
        });
      if (this.samples.length > MAX_SAMPLES) {
        const kept = this.samples.filter((_, i) => i % 2 === 0);
        this.samples.splice(0, this.samples.length, ...kept);
      }
    } catch {
      // a hanging or failing tool: no sample this time
    } finally {
      this.busy = false;
    }
  }
}
