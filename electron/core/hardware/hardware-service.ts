import type { HardwareInfo } from '../../shared/contract/index.js';
import { defineJob } from '../jobs/job-kind.js';
import type { EventBus } from '../rpc/event-bus.js';
import type { KvStore } from '../store/kv-store.js';
import { scanHardware } from './hardware-scanner.js';

const KEY = 'hardware.last';

/** Hardware detection as a job; keeps the last result so every page can read it at once. */
export class HardwareService {
  constructor(
    private readonly dataDir: string,
    private readonly kv: KvStore,
    private readonly bus: EventBus,
  ) {}

  last(): HardwareInfo | null {
    return this.kv.get<HardwareInfo>(KEY);
  }

  readonly scanJob = defineJob('system.scan', {
    title: () => 'Hardware scan',
    run: async (ctx) => {
      const info = await scanHardware(
        this.dataDir,
        (stage, i, n) => {
          ctx.report({ stage, fraction: i / n });
          ctx.log(`Scanning ${stage}`);
        },
        ctx.signal,
      );
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
