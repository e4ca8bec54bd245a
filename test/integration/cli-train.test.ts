import { execFile } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp-dir.js';
import { hasTrainerEnv, tinyData, tinyModel } from '../helpers/tiny-kit.js';

const run = promisify(execFile);
const BIN = path.resolve('bin/labforge.mjs');

async function cli(args: string[], timeout = 60_000): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [BIN, ...args], { timeout, maxBuffer: 64 * 2 ** 20 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe.runIf(hasTrainerEnv())('labforge train', () => {
  const dir = tempDir();
  let model: string;
  let data: string;

  beforeAll(async () => {
    if (!existsSync('out/main/cli.js')) await run('npx', ['electron-vite', 'build'], { timeout: 120_000 });
    [model, data] = await Promise.all([tinyModel(path.join(dir.path, 'model')), tinyData(path.join(dir.path, 'data'))]);
  }, 300_000);

  it('names the flag of a bad value and exits 1 without starting anything', async () => {
    const base = [
      'train',
      '--data',
      data,
      '--base',
      model,
      '--out',
      path.join(dir.path, 'bad'),
      '--data-dir',
      dir.path,
    ];
    const r = await cli([...base, '--precision', 'fp8']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--precision/);
    const t = await cli([...base, '--lora-targets', 'mlp']);
    expect(t.code).toBe(1);
    expect(t.stderr).toMatch(/--lora-targets/);
    expect(existsSync(path.join(dir.path, 'bad'))).toBe(false);
  });

  it(
    'trains with --gradient-checkpointing, --lora-targets and --precision; fits the defaults to 24 samples',
    { timeout: 300_000 },
    async () => {
      const out = path.join(dir.path, 'run');
      const r = await cli(
        [
          'train',
          '--data',
          data,
          '--base',
          model,
          '--phases',
          'knowledge',
          '--epochs',
          '2',
          '--lr',
          '3e-3',
          '--device',
          'cpu',
          '--precision',
          'fp32',
          '--gradient-checkpointing',
          '--lora-targets',
          'all-linear',
          '--out',
          out,
          '--data-dir',
          dir.path,
          '--json',
        ],
        280_000,
      );
      expect(r.code, r.stderr.slice(-3000)).toBe(0);
      const job = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as {
        state: string;
        result: { bestCheckpoint: string };
      };
      expect(job.state).toBe('succeeded');
      const cfg = JSON.parse(readFileSync(path.join(out, 'phase1-knowledge', 'trainer-config.json'), 'utf8')) as {
        gradient_checkpointing: boolean;
        precision: string;
        lora: { target_modules: string[] };
        adaptable: string[];
      };
      expect(cfg).toMatchObject({ gradient_checkpointing: true, precision: 'fp32' });
      expect(cfg.lora.target_modules).toEqual(['all-linear']);
      expect(cfg.adaptable.sort()).toEqual(['effective_batch_size', 'warmup_steps']);
      // LAB's batch of 128 on 24 samples was adapted, and the run says so.
      const adapted = readFileSync(path.join(out, 'metrics.jsonl'), 'utf8')
        .split('\n')
        .filter((l) => l.includes('"adapted"'))
        .map((l) => JSON.parse(l) as { setting: string; used: number });
      expect(adapted.find((a) => a.setting === 'effective_batch_size')?.used).toBeLessThan(24);
      // all-linear LoRA adapts the MLP too
      const adapter = JSON.parse(readFileSync(path.join(job.result.bestCheckpoint, 'adapter_config.json'), 'utf8')) as {
        target_modules: string[] | string;
      };
      expect(JSON.stringify(adapter.target_modules)).toMatch(/gate_proj|up_proj|down_proj/);
      expect(readdirSync(job.result.bestCheckpoint).some((f) => f.endsWith('.safetensors'))).toBe(true);
    },
  );
});
