import path from 'node:path';
import type { AppInfo } from '../shared/contract/index.js';
import { HardwareService } from './hardware/hardware-service.js';
import { GpuLock } from './jobs/gpu-lock.js';
import { JobManager } from './jobs/job-manager.js';
import { EventBus } from './rpc/event-bus.js';
import { Router, type Handlers } from './rpc/router.js';
import { openDatabase, type Db } from './store/database.js';
import { KvStore } from './store/kv-store.js';
import { diskBenchmarkJob } from './system/disk-benchmark.js';
import { readAppVersion } from './util/app-version.js';
import { ensureWritableDir } from './util/fs.js';

export interface CoreOptions {
  dataDir: string;
}

export interface Core extends AsyncDisposable {
  readonly dataDir: string;
  readonly db: Db;
  readonly bus: EventBus;
  readonly jobs: JobManager;
  readonly hardware: HardwareService;
  readonly router: Router;
  info(transport: AppInfo['transport']): AppInfo;
  dispose(): Promise<void>;
}

export const APP_VERSION: string = readAppVersion();

/** The composition root: every service, wired by hand. Electron, `labforge serve`, the CLI and tests all start here. */
export async function createCore(opts: CoreOptions): Promise<Core> {
  const dataDir = path.resolve(opts.dataDir);
  await ensureWritableDir(dataDir);
  const { db, version } = openDatabase(path.join(dataDir, 'labforge.db'));
  const bus = new EventBus();
  const kv = new KvStore(db);
  const gpuLock = new GpuLock();
  const jobs = new JobManager(db, bus, gpuLock);
  const hardware = new HardwareService(dataDir, kv, bus);
  jobs.register(hardware.scanJob);
  jobs.register(diskBenchmarkJob(dataDir));

  const info = (transport: AppInfo['transport']): AppInfo => ({
    name: 'LabForge',
    version: APP_VERSION,
    dataDir,
    transport,
    platform: `${process.platform}-${process.arch}`,
    nodeVersion: process.versions.node,
    databaseVersion: version,
  });

  const handlers: Handlers = {
    'app.info': (_p, ctx) => info(ctx.transport),
    'app.ping': (p) => ({ value: p.value ?? null, time: Date.now() }),
    'jobs.list': (p) => jobs.list(p),
    'jobs.get': (p) => jobs.get(p.id),
    'jobs.cancel': (p) => jobs.cancel(p.id),
    'jobs.resume': (p) => jobs.resume(p.id),
    'jobs.log': (p) => jobs.log(p.id, p.afterSeq, p.limit),
    'system.scan': () => jobs.start(hardware.scanJob.kind, {}),
    'system.hardware': () => hardware.last(),
    'system.benchmarkDisk': (p) => jobs.start('system.benchmarkDisk', p),
  };
  const router = new Router(handlers, bus);

  let disposed = false;
  const dispose = async (): Promise<void> => {
    if (disposed) return;
    disposed = true;
    await jobs.dispose();
    bus.dispose();
    db.close();
  };
  return { dataDir, db, bus, jobs, hardware, router, info, dispose, [Symbol.asyncDispose]: dispose };
}
