import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { PythonStatus } from '../../shared/contract/index.js';
import { fakeNvidiaSmiPath, pathWithoutGpuTools } from '../../../test/helpers/fake-tools.js';
import { tempDir } from '../../../test/helpers/temp-dir.js';
import { createCore } from '../create-core.js';
import { buildReport } from '../fit/readiness.js';
import { scanHardware, type SystemInfoApi } from './hardware-scanner.js';

const dir = tempDir('labforge-scan-');
afterAll(() => dir.remove());
const signal = new AbortController().signal;
const probe = (info: Awaited<ReturnType<typeof scanHardware>>, id: string) => info.probes.find((p) => p.id === id);

describe('the hardware scan', () => {
  it('scans this machine for real: no GPU here, so the CPU profile, with every probe accounted for', async () => {
    const info = await scanHardware({ dataDir: dir.path, signal, toolPath: pathWithoutGpuTools(dir.path) });
    expect(info.gpus).toEqual([]);
    expect(info.cpu.logicalCores).toBeGreaterThan(0);
    expect(info.memory.totalMb).toBeGreaterThan(512);
    expect(info.disk.freeMb).toBeGreaterThan(0);
    expect(info.backends?.selected).toBe('cpu'); // node-llama-cpp's own detection, no GPU backend here
    expect(info.backends?.supported).toContain('cpu');
    expect(probe(info, 'nvidia-smi')).toMatchObject({ status: 'warn', reason: expect.stringMatching(/not installed/) });
    expect(info.probes.map((p) => p.id).sort()).toEqual(
      ['cpu', 'disk', 'llama', 'memory', 'nvidia-smi', 'os', 'rocm-smi', 'systeminformation.gpu', 'trainer'].sort(),
    );
    const report = buildReport(info);
    expect(report.profile.id).toBe('cpu-only');
    expect(report.training).toBeNull();
    expect(report.checks.find((c) => c.id === 'training')).toMatchObject({ status: 'fail' });
    expect(report.checks.find((c) => c.id === 'chat')?.reason).toMatch(/runs on the CPU/);
  });

  it('takes NVIDIA GPUs from nvidia-smi and matches a RHEL AI reference profile', async () => {
    const info = await scanHardware({
      dataDir: dir.path,
      signal,
      skipLlama: true,
      toolPath: fakeNvidiaSmiPath(dir.path, '8xa100'),
    });
    expect(info.gpus).toHaveLength(8);
    expect(info.gpus.every((g) => g.source === 'nvidia-smi')).toBe(true);
    const report = buildReport(info);
    expect(report.profile).toMatchObject({ id: 'rhel-ai-8xa100' });
    expect(report.checks.find((c) => c.id === 'driver')).toMatchObject({
      status: 'ok',
      reason: 'Driver 535.129.03, CUDA 12.4.',
    });
    expect(report.training).toMatchObject({ method: 'full', gpus: 8, sharding: 'fsdp' });
  });

  it('treats each MIG slice as a device', async () => {
    const info = await scanHardware({
      dataDir: dir.path,
      signal,
      skipLlama: true,
      toolPath: fakeNvidiaSmiPath(dir.path, 'mig'),
    });
    const report = buildReport(info);
    expect(report.checks.find((c) => c.id === 'gpu')?.reason).toMatch(
      /^4 GPUs for training: 1× MIG 3g\.40gb, 40 GB; 1× MIG 2g\.20gb, 20 GB; 1× MIG 1g\.10gb, 10 GB; 1× NVIDIA A100-SXM4-80GB, 80 GB\.$/,
    );
  });

  it('finishes when nvidia-smi hangs, saying so', async () => {
    const info = await scanHardware({
      dataDir: dir.path,
      signal,
      skipLlama: true,
      timeoutMs: 1500,
      toolPath: fakeNvidiaSmiPath(dir.path, 'hang'),
    });
    expect(info.gpus).toEqual([]);
    expect(probe(info, 'nvidia-smi')).toMatchObject({
      status: 'fail',
      reason: expect.stringMatching(/did not answer within 2 s/),
    });
    expect(info.notes.join(' ')).toMatch(/Could not detect nvidia-smi: nvidia-smi did not answer/);
    expect(buildReport(info).checks.find((c) => c.id === 'driver')).toMatchObject({ status: 'fail' });
  });

  it('finishes when systeminformation throws and the data folder is unreadable', async () => {
    const boom = (): never => {
      throw new Error('systeminformation exploded');
    };
    const broken: SystemInfoApi = { osInfo: boom, cpu: boom, cpuFlags: boom, mem: boom, graphics: boom };
    const missing = path.join(dir.path, 'no', 'such', 'dir');
    const info = await scanHardware({
      dataDir: missing,
      signal,
      skipLlama: true,
      systemInfo: broken,
      toolPath: pathWithoutGpuTools(dir.path),
    });
    for (const id of ['os', 'cpu', 'memory', 'disk', 'systeminformation.gpu'])
      expect(probe(info, id)?.status, id).toBe('fail');
    expect(probe(info, 'cpu')?.reason).toBe('systeminformation exploded');
    expect(probe(info, 'disk')?.reason).toMatch(/ENOENT/);
    // Fallbacks from Node's os module keep the report useful.
    expect(info.cpu.logicalCores).toBeGreaterThan(0);
    expect(info.memory.totalMb).toBeGreaterThan(0);
    expect(info.disk).toEqual({ path: missing, totalMb: null, freeMb: null });
    const report = buildReport(info);
    expect(report.checks.find((c) => c.id === 'disk')).toMatchObject({
      status: 'warn',
      reason: expect.stringMatching(/could not be read: .*ENOENT/),
    });
    expect(report.checks.find((c) => c.id === 'cpu')).toMatchObject({
      status: 'warn',
      reason: expect.stringMatching(/Could not read the CPU: systeminformation exploded/),
    });
  });

  it('never waits for a slow trainer check: the answer is added to the stored scan when it arrives', async () => {
    let answer: (s: PythonStatus) => void = () => undefined;
    const slow = new Promise<PythonStatus>((resolve) => (answer = resolve));
    const d = tempDir('labforge-scan-core-');
    const core = await createCore({
      dataDir: d.path,
      hardware: {
        trainerStatus: () => slow,
        trainerTimeoutMs: 300,
        skipLlama: true,
        toolPath: pathWithoutGpuTools(d.path),
      },
    });
    try {
      const job = await core.jobs.waitFor(core.jobs.start('system.scan', {}).id);
      expect(job.state).toBe('succeeded');
      expect(core.hardware.last()?.probes.find((p) => p.id === 'trainer')).toMatchObject({
        status: 'warn',
        reason: expect.stringMatching(/Still checking/),
      });
      const changed = new Promise<void>((resolve) => {
        const sub = core.bus.subscribe((e) => {
          if (e.name === 'system.hardwareChanged') {
            sub.dispose();
            resolve();
          }
        });
      });
      answer({
        system: null,
        problem: null,
        env: { python: '/venv/bin/python', ready: true, torch: '2.5.1', cuda: false, managed: true },
      });
      await changed;
      expect(core.hardware.last()?.trainer).toEqual({
        python: '/venv/bin/python',
        torch: '2.5.1',
        cuda: false,
        ready: true,
      });
      expect(core.hardware.report()?.checks.find((c) => c.id === 'trainer-env')).toMatchObject({
        status: 'ok',
        reason: 'torch 2.5.1.',
      });
    } finally {
      await core.dispose();
      d.remove();
    }
  });
});
