import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createCore } from '../../electron/core/create-core.js';
import { PipProgress } from '../../electron/core/python/pip-progress.js';
import { PythonEnvService } from '../../electron/core/python/python-env-service.js';
import { EventBus } from '../../electron/core/rpc/event-bus.js';
import { openDatabase } from '../../electron/core/store/database.js';
import { KvStore } from '../../electron/core/store/kv-store.js';
import { GpuLock } from '../../electron/core/jobs/gpu-lock.js';
import { JobManager } from '../../electron/core/jobs/job-manager.js';
import { tempDir } from '../helpers/temp-dir.js';
import { hasTrainerEnv, TRAINER_PYTHON } from '../helpers/tiny-kit.js';

const dir = tempDir();
afterAll(() => dir.remove());

/** A fake interpreter that reports the given version (a shell script answering the probe). */
function fakePython(name: string, version: [number, number, number]): string {
  const file = path.join(dir.path, name);
  writeFileSync(file, `#!/bin/sh\necho '{"v": [${version.join(', ')}], "exe": "${file}"}'\n`);
  chmodSync(file, 0o755);
  return file;
}

function service(sub: string, candidates: string[], nativeDir?: string) {
  const d = path.join(dir.path, sub);
  mkdirSync(d, { recursive: true });
  const { db } = openDatabase(path.join(d, 'labforge.db'));
  const bus = new EventBus();
  const jobs = new JobManager(db, bus, new GpuLock());
  const svc = new PythonEnvService(d, new KvStore(db), bus, { candidates, nativeDir });
  jobs.register(svc.setupJob);
  return { svc, jobs, close: async () => (await jobs.dispose(), db.close()) };
}

describe('the Python environment', () => {
  it('explains a missing Python with what to install', async () => {
    const { svc, jobs, close } = service('missing', [path.join(dir.path, 'no-such-python')]);
    const s = await svc.status();
    expect(s.system).toBeNull();
    expect(s.problem).toMatch(/not found.*Install Python 3\.10/);
    const job = await jobs.waitFor(jobs.start('python.setup', {}).id);
    expect(job.state).toBe('failed');
    expect(job.error?.code).toBe('PYTHON_MISSING');
    expect(job.error?.hint).toMatch(/python3-venv|python\.org|brew/);
    await close();
  });

  it('refuses a Python that is too old, naming its version', async () => {
    const old = fakePython('python3.8', [3, 8, 10]);
    const { svc, jobs, close } = service('old', [old]);
    expect((await svc.status()).problem).toMatch(/3\.8\.10 is too old/);
    const job = await jobs.waitFor(jobs.start('python.setup', {}).id);
    expect(job.error?.code).toBe('PYTHON_TOO_OLD');
    expect(job.error?.message).toContain('3.8.10');
    await close();
  });

  it('reports a failing pip install with its error line and keeps the log', async () => {
    const native = path.join(dir.path, 'native-bad');
    mkdirSync(native, { recursive: true });
    writeFileSync(path.join(native, 'requirements.txt'), 'labforge-no-such-package-anywhere==1.0\n');
    process.env.PIP_NO_INDEX = '1'; // fail fast and offline
    const { jobs, close } = service('pipfail', ['python3'], native);
    const job = await jobs.waitFor(jobs.start('python.setup', {}).id);
    delete process.env.PIP_NO_INDEX;
    expect(job.state).toBe('failed');
    expect(job.error?.code).toBe('ENV_SETUP_FAILED');
    expect(job.error?.message).toMatch(/labforge-no-such-package-anywhere/);
    expect(jobs.log(job.id).length).toBeGreaterThan(2);
    await close();
  }, 120_000);

  it.runIf(hasTrainerEnv())(
    'adopts an existing environment after checking it can train',
    async () => {
      const core = await createCore({ dataDir: path.join(dir.path, 'adopt') });
      const job = await core.jobs.waitFor(core.jobs.start('python.setup', { existingPython: TRAINER_PYTHON }).id);
      expect(job.state, JSON.stringify(job.error)).toBe('succeeded');
      expect(core.python.configuredPython()).toBe(TRAINER_PYTHON);
      const status = await core.python.status();
      expect(status.env).toMatchObject({ python: TRAINER_PYTHON, ready: true, managed: false });
      expect(status.env?.torch).toMatch(/^\d+\.\d+/);
      await core.dispose();
    },
    120_000,
  );
});

describe('PipProgress', () => {
  it('counts packages from pip and uv output', () => {
    const p = new PipProgress(3);
    p.feed('Collecting torch==2.15.0 (from -r requirements.txt (line 3))');
    p.feed('  Downloading torch-2.15.0-cp311-cp311-manylinux_2_28_x86_64.whl (900 MB)');
    p.feed('Collecting numpy==2.4.6');
    expect(p.count).toBe(2);
    expect(p.fraction).toBeCloseTo((2 / 3) * 0.8);
    p.feed('Installing collected packages: numpy, torch');
    expect(p.stage).toBe('install');
    p.feed('Successfully installed numpy-2.4.6 torch-2.15.0');
    expect(p.fraction).toBe(1);
  });
});
