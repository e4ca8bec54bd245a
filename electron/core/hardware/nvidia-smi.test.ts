import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fakeNvidiaSmiPath } from '../../../test/helpers/fake-tools.js';
import { tempDir } from '../../../test/helpers/temp-dir.js';
import {
  migEnabledIndices,
  nvidiaStats,
  parseCudaVersion,
  parseMigList,
  parseNvidiaSmiCsv,
  queryNvidiaSmi,
} from './nvidia-smi.js';
import { parseRocmSmiJson } from './other-gpus.js';

const fixture = (name: string): string => readFileSync(path.resolve('test/fixtures/hardware', name), 'utf8');
const dir = tempDir('labforge-nvsmi-');
afterAll(() => dir.remove());

describe('nvidia-smi output parsing (recorded outputs)', () => {
  it('reads one H100 with driver, compute capability, utilisation and the CUDA version from the banner', () => {
    const cuda = parseCudaVersion(fixture('banner.txt'));
    expect(cuda).toBe('12.4');
    const { gpus, rejected } = parseNvidiaSmiCsv(fixture('h100.csv'), cuda);
    expect(rejected).toEqual([]);
    expect(gpus).toEqual([
      expect.objectContaining({
        index: 0,
        vendor: 'NVIDIA',
        model: 'NVIDIA H100 80GB HBM3',
        vramMb: 81559,
        vramFreeMb: 81004,
        driverVersion: '550.54.15',
        cudaVersion: '12.4',
        computeCapability: '9.0',
        utilizationPct: 0,
        mig: [],
      }),
    ]);
  });

  it('reads eight A100s in index order', () => {
    const { gpus } = parseNvidiaSmiCsv(fixture('8xa100.csv'), '12.2');
    expect(gpus.map((g) => g.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(gpus.every((g) => g.vramMb === 81920 && g.computeCapability === '8.0')).toBe(true);
    expect(gpus[7]?.vramFreeMb).toBe(74050);
    expect(gpus[3]?.utilizationPct).toBe(30);
  });

  it('reads an L4 whose MIG field is [N/A]', () => {
    const { gpus } = parseNvidiaSmiCsv(fixture('l4.csv'), null);
    expect(gpus[0]).toMatchObject({ model: 'NVIDIA L4', vramMb: 23034, computeCapability: '8.9', utilizationPct: 3 });
    expect(migEnabledIndices(fixture('l4.csv'))).toEqual([]);
  });

  it('finds MIG mode and the slices of each GPU, with their memory from the profile name', () => {
    const csv = fixture('mig.csv');
    expect(migEnabledIndices(csv)).toEqual([0]);
    const { gpus } = parseNvidiaSmiCsv(csv, '12.2');
    expect(gpus[0]?.utilizationPct).toBeNull(); // [N/A] under MIG
    const slices = parseMigList(fixture('mig-list.txt'));
    expect(slices.get(0)?.map((s) => [s.profile, s.memoryMb])).toEqual([
      ['3g.40gb', 40 * 1024],
      ['2g.20gb', 20 * 1024],
      ['1g.10gb', 10 * 1024],
    ]);
    expect(slices.get(0)?.[0]?.uuid).toBe('MIG-1c3b5a7d-9e2f-5b1a-8c3d-2e4f6a8b0c1d');
    expect(slices.get(1)).toBeUndefined();
  });

  it('rejects malformed lines instead of inventing GPUs', () => {
    const { gpus, rejected } = parseNvidiaSmiCsv(fixture('garbage.txt'), null);
    expect(gpus).toEqual([]);
    expect(rejected.length).toBe(3);
    const mixed = parseNvidiaSmiCsv(`${fixture('h100.csv')}WARNING: infoROM is corrupted at gpu 0000:18:00.0\n`, null);
    expect(mixed.gpus).toHaveLength(1);
    expect(mixed.rejected).toEqual(['WARNING: infoROM is corrupted at gpu 0000:18:00.0']);
  });

  it('reads rocm-smi JSON (AMD MI210) and names unreadable output', () => {
    const [g] = parseRocmSmiJson(fixture('rocm-mi210.json'));
    expect(g).toMatchObject({
      vendor: 'AMD',
      model: 'AMD Instinct MI210',
      vramMb: 65520,
      utilizationPct: 12,
      driverVersion: '6.7.0',
    });
    expect(g?.vramFreeMb).toBe(65510);
    expect(() => parseRocmSmiJson('ERROR: No AMD GPUs specified')).toThrow(
      /could not read \("ERROR: No AMD GPUs specified"\)/,
    );
  });
});

describe('queryNvidiaSmi against a fake nvidia-smi on PATH', () => {
  const ask = (mode: string, timeoutMs = 10_000) =>
    queryNvidiaSmi({ timeoutMs, path: fakeNvidiaSmiPath(dir.path, mode) });

  it('lists the GPUs of a one-H100 machine', async () => {
    const r = await ask('h100');
    expect(r.status).toBe('ok');
    expect(r.gpus).toHaveLength(1);
    expect(r.gpus[0]?.cudaVersion).toBe('12.4');
    expect(r.reason).toBe('1 NVIDIA GPU(s).');
  });

  it('attaches MIG slices when MIG mode is on', async () => {
    const r = await ask('mig');
    expect(r.gpus[0]?.mig.map((m) => m.profile)).toEqual(['3g.40gb', '2g.20gb', '1g.10gb']);
    expect(r.reason).toMatch(/MIG on GPU 0/);
  });

  it('asks an old driver again without compute_cap', async () => {
    const r = await ask('old-driver');
    expect(r.gpus).toHaveLength(1);
    expect(r.gpus[0]?.computeCapability).toBeNull();
  });

  it('says the driver is missing when nvidia-smi cannot talk to it', async () => {
    const r = await ask('driver-missing');
    expect(r).toMatchObject({ gpus: [], status: 'fail' });
    expect(r.reason).toMatch(
      /^nvidia-smi failed: NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver/,
    );
  });

  it('says what it printed when the output is garbage', async () => {
    const r = await ask('garbage');
    expect(r).toMatchObject({ gpus: [], status: 'fail' });
    expect(r.reason).toMatch(/could not read \("Segmentation fault in libnvidia-ml/);
  });

  it('gives up on a hanging nvidia-smi at the deadline and kills it', async () => {
    const started = Date.now();
    const r = await ask('hang', 1500);
    expect(r.status).toBe('fail');
    expect(r.reason).toMatch(/did not answer within 2 s/);
    // The fake sleeps 600 s; returning at all proves the process group was killed and not awaited.
    expect(Date.now() - started).toBeLessThan(60_000);
  });

  it('reports missing nvidia-smi as "not installed", not as a failure', async () => {
    const r = await queryNvidiaSmi({ timeoutMs: 5000, path: path.join(dir.path, 'nowhere') });
    expect(r).toEqual({
      gpus: [],
      status: 'warn',
      reason: 'nvidia-smi is not installed (no NVIDIA driver on this machine).',
    });
  });

  it('reads live utilisation and memory for the Dashboard', async () => {
    const r = await nvidiaStats({ timeoutMs: 10_000, path: fakeNvidiaSmiPath(dir.path, '8xa100') });
    expect(r.reason).toBeNull();
    expect(r.gpus).toHaveLength(8);
    expect(r.gpus[1]).toEqual({
      index: 1,
      model: 'NVIDIA A100-SXM4-80GB',
      utilizationPct: 10,
      memoryUsedMb: 1870,
      memoryTotalMb: 81920,
    });
  });
});
