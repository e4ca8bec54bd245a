import {
  hardwareInfoSchema,
  type GpuStats,
  type HardwareInfo,
  type HardwareReport,
  type PythonStatus,
} from '../../shared/contract/index.js';
import { buildReport } from '../fit/readiness.js';
import { defineJob } from '../jobs/job-kind.js';
import type { EventBus } from '../rpc/event-bus.js';
import type { KvStore } from '../store/kv-store.js';
import { scanHardware, trainerProbe, type ScanOptions, type SystemInfoApi } from './hardware-scanner.js';
import { nvidiaStats } from './nvidia-smi.js';
import { rocmStats } from './other-gpus.js';

const KEY = 'hardware.last';

export interface HardwareServiceOptions {
  /** The trainer environment's status (`PythonEnvService.status`). */
  trainerStatus?: (signal: AbortSignal) => Promise<PythonStatus>;
  /** PATH for nvidia-smi / rocm-smi (tests put fakes first). */
  toolPath?: string;
  timeoutMs?: number;
  /** How long a scan waits for the trainer check before adding its answer later (default 5 s). */
  trainerTimeoutMs?: number;
  systemInfo?: SystemInfoApi;
  /** Leave node-llama-cpp's backend detection out (tests that do not need it). */
  skipLlama?: boolean;
}

/** Hardware detection as a job; keeps the last result so every page can read it at once. */
export class HardwareService {
  constructor(
    private readonly dataDir: string,
    private readonly kv: KvStore,
    private readonly bus: EventBus,
    private readonly opts: HardwareServiceOptions = {},
  ) {}

  /** The last scan, upgraded to the current schema (a scan saved by an older version lacks newer fields). */
  last(): HardwareInfo | null {
    const raw = this.kv.get<unknown>(KEY);
    if (raw === null) return null;
    const parsed = hardwareInfoSchema.safeParse(raw);
    return parsed.success ? parsed.data : null;
  }

  /** The readiness report of the last scan (checks, profile, training preset); null before the first scan. */
  report(): HardwareReport | null {
    const info = this.last();
    return info ? buildReport(info) : null;
  }

  /** GPU utilisation and memory now; quick, with a short deadline, never throws. */
  async gpuStats(): Promise<GpuStats> {
    const tool = { timeoutMs: 3000, path: this.opts.toolPath };
    const nv = await nvidiaStats(tool);
    if (nv.gpus.length > 0) return { at: Date.now(), gpus: nv.gpus, reason: null };
    const amd = process.platform === 'darwin' ? [] : await rocmStats(tool);
    if (amd.length > 0) return { at: Date.now(), gpus: amd, reason: null };
    return { at: Date.now(), gpus: [], reason: nv.reason ?? 'No GPU reports live numbers.' };
  }

  /**
   * Scans. The trainer check (it imports torch: seconds to tens of seconds) runs beside the scan;
   * when it answers after the scan's 5 s deadline, its answer is added to the stored scan then and
   * announced with `system.hardwareChanged`, so it never holds the scan up.
   */
  private async scan(signal: AbortSignal, onProbe?: ScanOptions['onProbe']): Promise<HardwareInfo> {
    const check = this.opts.trainerStatus;
    const pending = check ? check(this.lifetime.signal) : null;
    pending?.catch(() => undefined);
    const info = await scanHardware({
      dataDir: this.dataDir,
      toolPath: this.opts.toolPath,
      timeoutMs: this.opts.timeoutMs,
      systemInfo: this.opts.systemInfo,
      skipLlama: this.opts.skipLlama,
      trainerTimeoutMs: this.opts.trainerTimeoutMs,
      trainerStatus: pending ? () => pending : undefined,
      signal,
      onProbe,
    });
    const probe = info.probes.find((p) => p.id === 'trainer');
    if (pending && probe && probe.status === 'fail') {
      probe.status = 'warn';
      probe.reason = 'Still checking the trainer environment (importing torch); the answer is added when it arrives.';
      const started = Date.now();
      void pending.then(
        (s) => this.addLateTrainer(info.scannedAt, s, Date.now() - started + probe.ms),
        () => undefined,
      );
    }
    return info;
  }

  private addLateTrainer(scannedAt: number, s: PythonStatus, ms: number): void {
    if (this.lifetime.signal.aborted) return;
    try {
      const last = this.last();
      if (!last || last.scannedAt !== scannedAt) return;
      const r = trainerProbe(s);
      const info: HardwareInfo = {
        ...last,
        trainer: r.value,
        probes: last.probes.map((p) =>
          p.id === 'trainer' ? { id: 'trainer', status: r.status, reason: r.reason, ms } : p,
        ),
      };
      this.kv.set(KEY, info);
      this.bus.emit('system.hardwareChanged', info);
    } catch {
      // The store closed meanwhile; the next scan asks again.
    }
  }

  /** Stops a trainer check still running (it runs Python), so a short-lived core (the CLI) can exit. */
  dispose(): void {
    this.lifetime.abort();
  }

  private readonly lifetime = new AbortController();

  /** A scan outside the job list, for callers that need hardware before any scan ran (`hardware.fit`). */
  async scanNow(signal: AbortSignal = new AbortController().signal): Promise<HardwareInfo> {
    const info = await this.scan(signal);
    try {
      this.kv.set(KEY, info);
      this.bus.emit('system.hardwareChanged', info);
    } catch {
      // A read-only core (the CLI beside a running app) cannot store it; the result is still good.
    }
    return info;
  }

  readonly scanJob = defineJob('system.scan', {
    title: () => 'Hardware scan',
    run: async (ctx) => {
      ctx.report({ stage: 'probing', fraction: 0 });
      const info = await this.scan(ctx.signal, (p, done, total) => {
        ctx.report({ stage: p.id, fraction: Math.min(done / total, 0.99) });
        ctx.log(`${p.id}: ${p.reason} (${p.ms} ms)`, p.status === 'fail' ? 'warn' : 'info');
      });
      for (const g of info.gpus)
        ctx.log(`GPU ${g.index}: ${g.vendor} ${g.model}, ${g.vramMb ?? '?'} MB VRAM (${g.source})`);
      ctx.log(`CPU: ${info.cpu.brand}, ${info.cpu.physicalCores} cores; RAM ${info.memory.totalMb} MB`);
      for (const n of info.notes) ctx.log(n, 'warn');
      this.kv.set(KEY, info);
      this.bus.emit('system.hardwareChanged', info);
      return info;
    },
  });
}
