import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../electron/core/cli/main.js';
import { tempDir } from '../helpers/temp-dir.js';
import { tinyGguf } from '../helpers/tiny-gguf.js';

const dir = tempDir('labforge-cli-hw-');
afterAll(() => dir.remove());
const data = path.join(dir.path, 'data');

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli([...argv, '--data-dir', data], { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('labforge hardware and labforge fit (in-process, real core, real scan of this machine)', () => {
  it('hardware --json: gpus, cpu, memory, disk, backends, profile and checks with status and reason', async () => {
    const r = await cli('hardware', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as Record<string, unknown> & { checks: Array<{ status: string; reason: string }> };
    for (const k of ['gpus', 'cpu', 'memory', 'disk', 'backends', 'profile', 'checks']) expect(j, k).toHaveProperty(k);
    expect(j.profile).toMatchObject({ id: 'cpu-only' }); // no GPU on this machine
    for (const c of j.checks) {
      expect(['ok', 'warn', 'fail']).toContain(c.status);
      expect(c.reason.length).toBeGreaterThan(5);
    }
  });

  it('hardware (text) prints the checklist; --cached reuses the last scan', async () => {
    const r = await cli('hardware', '--cached');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Profile: CPU only \(cpu-only\)/m);
    expect(r.out).toMatch(/^ {2}\[(ok {2}|warn|FAIL)\] Memory: /m);
    expect(r.out).toMatch(/^Engine: node-llama-cpp uses cpu/m);
  });

  it('fit a GGUF for chat: JSON with the fields scripts read', async () => {
    const r = await cli('fit', await tinyGguf(), '--task', 'chat', '--context', '256', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as Record<string, unknown>;
    expect(j).toMatchObject({ fits: true, device: 'RAM', gpus: 0, preset: { gpuLayers: 0 } });
    for (const k of ['required_bytes', 'available_bytes', 'breakdown', 'reason']) expect(j, k).toHaveProperty(k);
  });

  it('fit an HF folder for training on a reference profile; exit code 3 when it does not fit', async () => {
    const model = path.join(dir.path, 'granite');
    mkdirSync(model, { recursive: true });
    writeFileSync(
      path.join(model, 'config.json'),
      JSON.stringify({
        hidden_size: 4096,
        intermediate_size: 12800,
        num_hidden_layers: 40,
        num_attention_heads: 32,
        num_key_value_heads: 8,
        vocab_size: 49155,
        max_position_embeddings: 131072,
        tie_word_embeddings: true,
      }),
    );
    const ok = await cli('fit', model, '--task', 'train', '--profile', 'rhel-ai-2xh100');
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/^Fits: full fine-tuning of granite/);
    expect(ok.out).toMatch(/preset: Full fine-tuning of granite fits on 2 GPUs/);
    const no = await cli(
      'fit',
      model,
      '--task',
      'train',
      '--method',
      'full',
      '--gpus',
      '1',
      '--profile',
      'gpu-24gb',
      '--json',
    );
    expect(no.code).toBe(3);
    expect(JSON.parse(no.out)).toMatchObject({ fits: false, method: 'full', gpus: 1 });
  });

  it('says what is wrong with bad arguments', async () => {
    expect((await cli('fit', 'x.gguf')).code).toBe(2);
    const bad = await cli('fit', 'x', '--task', 'train', '--gpus', 'two');
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/--gpus must be a whole number, not "two"/);
    const missing = await cli('fit', path.join(dir.path, 'none.gguf'), '--task', 'chat');
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/No model ".*none\.gguf"/);
  });

  it('labforge scan still works', async () => {
    const r = await cli('scan', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toHaveProperty('probes');
  });
});
