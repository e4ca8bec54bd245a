import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { defineJob, type DefinedJobKind } from '../jobs/job-kind.js';

const CHUNK = 4 * 2 ** 20;
const SYNC_EVERY = 16; // chunks: flush to the device every 64 MiB so the figure is the disk's, not the page cache's

/**
 * Measures sequential write and read speed where models and checkpoints will live. The scratch
 * file is removed whatever happens (success, failure or cancel).
 */
export function diskBenchmarkJob(dataDir: string): DefinedJobKind<'system.benchmarkDisk'> {
  return defineJob('system.benchmarkDisk', {
    title: (p) => `Disk speed test (${p.sizeMb} MB)`,
    run: async ({ params, signal, report, log }) => {
      const dir = path.join(dataDir, 'tmp');
      await fs.mkdir(dir, { recursive: true });
      const file = path.join(dir, `diskbench-${randomBytes(4).toString('hex')}.part`);
      const chunks = Math.max(1, Math.round((params.sizeMb * 2 ** 20) / CHUNK));
      const buf = randomBytes(CHUNK);
      log(`Writing ${chunks * 4} MiB to ${dir}`);
      const handle = await fs.open(file, 'w');
      try {
        const t0 = performance.now();
        for (let i = 0; i < chunks; i++) {
          signal.throwIfAborted();
          await handle.write(buf, 0, CHUNK);
          if ((i + 1) % SYNC_EVERY === 0) await handle.sync();
          const secs = (performance.now() - t0) / 1000;
          const mbps = ((i + 1) * 4) / Math.max(secs, 1e-3);
          report({
            stage: 'write',
            fraction: (i + 1) / (2 * chunks),
            etaSeconds: ((chunks - i - 1) * 4) / mbps,
            metrics: { writeMbPerSec: Math.round(mbps) },
          });
        }
        await handle.sync();
        const writeMbPerSec = (chunks * 4) / ((performance.now() - t0) / 1000);
        await handle.close();
        log(`Write: ${writeMbPerSec.toFixed(0)} MB/s`);
        const reader = await fs.open(file, 'r');
        const t1 = performance.now();
        try {
          for (let i = 0; i < chunks; i++) {
            signal.throwIfAborted();
            await reader.read(buf, 0, CHUNK, i * CHUNK);
            const mbps = ((i + 1) * 4) / Math.max((performance.now() - t1) / 1000, 1e-3);
            report({
              stage: 'read',
              fraction: 0.5 + (i + 1) / (2 * chunks),
              metrics: { readMbPerSec: Math.round(mbps) },
            });
          }
        } finally {
          await reader.close();
        }
        const readMbPerSec = (chunks * 4) / ((performance.now() - t1) / 1000);
        log(`Read: ${readMbPerSec.toFixed(0)} MB/s (may be served from the page cache)`);
        return {
          path: dir,
          sizeMb: chunks * 4,
          writeMbPerSec: Math.round(writeMbPerSec),
          readMbPerSec: Math.round(readMbPerSec),
        };
      } finally {
        await handle.close().catch(() => undefined);
        await fs.rm(file, { force: true });
      }
    },
  });
}
