// A second LabForge process for the data-folder ownership tests, run under tsx:
//   hold-data-dir.ts core DATA_DIR   → owns the folder, runs a job until killed, prints "READY <job id>"
//   hold-data-dir.ts gpu LOCK_FILE MS → holds the machine GPU lock for MS milliseconds, prints "READY"
import { createCore } from '../../electron/core/create-core.js';
import { GpuLock } from '../../electron/core/jobs/gpu-lock.js';

const [mode, target, ms] = process.argv.slice(2);
if (mode === 'core') {
  const core = await createCore({ dataDir: target!, access: 'owner', what: 'test owner', gpuLockFile: null });
  core.jobs.register({
    kind: 'test.hold',
    title: () => 'Hold',
    run: ({ signal }) =>
      new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason))),
  });
  const job = core.jobs.start('test.hold', {});
  process.stdout.write(`READY ${job.id}\n`);
  setInterval(() => undefined, 1000);
} else {
  const lock = new GpuLock(target!, 20);
  const release = await lock.acquire('holder');
  process.stdout.write('READY\n');
  setTimeout(() => {
    release();
    process.exit(0);
  }, Number(ms));
}
