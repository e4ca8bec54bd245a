import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../electron/core/create-core.js';
import type { ApiClient } from '../../electron/shared/client.js';
import { pathWithoutGpuTools } from '../helpers/fake-tools.js';
import { connectMemory } from '../helpers/memory-client.js';
import { rejection } from '../helpers/rejection.js';
import { tempDir } from '../helpers/temp-dir.js';
import { tinyGguf } from '../helpers/tiny-gguf.js';

const GRANITE_8B_CONFIG = {
  architectures: ['GraniteForCausalLM'],
  model_type: 'granite',
  hidden_size: 4096,
  intermediate_size: 12800,
  num_hidden_layers: 40,
  num_attention_heads: 32,
  num_key_value_heads: 8,
  vocab_size: 49155,
  max_position_embeddings: 131072,
  tie_word_embeddings: true,
};

describe('hardware.fit, hardware.report and hardware.profiles through the router', () => {
  const dir = tempDir('labforge-fit-');
  let core: Core;
  let api: ApiClient;
  let close: () => void;
  const folder = (name: string, config: unknown): string => {
    const d = path.join(dir.path, name);
    mkdirSync(d, { recursive: true });
    writeFileSync(path.join(d, 'config.json'), typeof config === 'string' ? config : JSON.stringify(config));
    return d;
  };

  beforeAll(async () => {
    core = await createCore({
      dataDir: path.join(dir.path, 'data'),
      hardware: { skipLlama: true, toolPath: pathWithoutGpuTools(dir.path) },
    });
    ({ api, close } = connectMemory(core));
  });
  afterAll(async () => {
    close();
    await core.dispose();
    dir.remove();
  });

  it('answers for a Hugging Face folder on a reference profile: full fine-tuning on 2× A100', async () => {
    const r = await api.call('hardware.fit', {
      model: folder('granite', GRANITE_8B_CONFIG),
      task: 'train',
      profile: 'rhel-ai-2xa100',
    });
    expect(r).toMatchObject({ fits: true, task: 'train', method: 'full', gpus: 2, hardware: 'rhel-ai-2xa100' });
    expect(r.model.parameters).toBeGreaterThan(8e9);
    expect(r.preset).toMatchObject({ method: 'full', sharding: 'fsdp' });
    expect(Object.keys(r.breakdown)).toEqual(
      expect.arrayContaining(['weights', 'gradients', 'optimizer', 'activations', 'logits']),
    );
    expect(r.requiredBytes).toBeLessThanOrEqual(r.availableBytes);
    expect(r.largest.batchSize).toBeGreaterThanOrEqual(1);
    expect(r.reason).toMatch(/^full fine-tuning of granite at 4096 tokens × 1 needs \d+ GB of 80 GB on GPU 0/);
  });

  it('answers for a catalog id (train from its parameter count; chat from its GGUF size)', async () => {
    const train = await api.call('hardware.fit', { model: 'granite-7b', task: 'train', profile: 'rhel-ai-2xa100' });
    expect(train).toMatchObject({ fits: true, method: 'full', gpus: 2 });
    expect(train.model).toMatchObject({ name: 'Granite 7B', parameters: 6_740_000_000 });
    const chat = await api.call('hardware.fit', { model: 'granite-7b', task: 'chat', profile: 'gpu-24gb' });
    expect(chat.fits).toBe(true);
    // Q4_K_M weights (4.08 GB for 6.74B parameters), not bf16's 13.5 GB.
    expect(chat.breakdown.weights).toBeLessThan(6e9);
  });

  it('says no, with the numbers, when the asked method does not fit', async () => {
    const r = await api.call('hardware.fit', {
      model: folder('granite', GRANITE_8B_CONFIG),
      task: 'train',
      method: 'full',
      gpus: 1,
      offloadOptimizer: false,
      profile: 'gpu-24gb',
    });
    expect(r.fits).toBe(false);
    expect(r.requiredBytes).toBeGreaterThan(r.availableBytes);
    expect(r.reason).toMatch(
      /needs \d+ GB on GPU 0 .* but only 24 GB is there; (lora|qlora) with the preset's settings fits/,
    );
    expect(r.preset).toMatchObject({ method: expect.stringMatching(/lora/) });
  });

  it('estimates what it can from a config.json that lacks fields, and says what it assumed', async () => {
    const partial = { ...GRANITE_8B_CONFIG } as Record<string, unknown>;
    delete partial.num_key_value_heads;
    delete partial.max_position_embeddings;
    const r = await api.call('hardware.fit', { model: folder('partial', partial), task: 'train', profile: 'gpu-80gb' });
    expect(r.unknowns).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/num_key_value_heads missing/),
        expect.stringMatching(/max_position_embeddings missing: assumed 4096/),
      ]),
    );
  });

  it('cannot estimate a config.json without a shape, and says which fields are missing', async () => {
    const r = await api.call('hardware.fit', { model: folder('empty', { model_type: 'llama' }), task: 'train' });
    expect(r.fits).toBe(false);
    expect(r.requiredBytes).toBe(0);
    expect(r.reason).toMatch(
      /^Could not estimate empty: Cannot estimate: the model's parameter count and num_hidden_layers, hidden_size, intermediate_size, num_attention_heads, vocab_size are unknown\.$/,
    );
  });

  it('names a config.json that is not JSON, and a model that does not exist', async () => {
    const bad = await rejection(
      api.call('hardware.fit', { model: folder('broken', '{"hidden_size": 40'), task: 'train' }),
    );
    expect(bad).toMatchObject({
      code: 'VALIDATION_FAILED',
      message: expect.stringMatching(/broken\/config\.json is not valid JSON/),
    });
    const none = await rejection(api.call('hardware.fit', { model: 'no-such-model', task: 'chat' }));
    expect(none).toMatchObject({ code: 'MODEL_NOT_FOUND' });
    const noProfile = await rejection(
      api.call('hardware.fit', { shape: { parameters: 7e9 }, task: 'train', profile: 'nope' }),
    );
    expect(noProfile).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('chat with a tiny GGUF on this machine (scans first): all in RAM, the largest context it was trained for', async () => {
    const file = await tinyGguf();
    const r = await api.call('hardware.fit', { model: file, task: 'chat' });
    expect(r).toMatchObject({ fits: true, task: 'chat', gpus: 0, device: 'RAM', hardware: 'scan' });
    expect(r.breakdown.weights).toBeGreaterThan(0);
    expect(r.breakdown.kv_cache).toBeGreaterThan(0);
    expect(r.largest.context).toBe(512);
    expect(r.preset).toMatchObject({ gpuLayers: 0, contextSize: 512 });
    expect(r.reason).toMatch(/runs on the CPU with a 512-token context/);
    expect(core.hardware.last()).not.toBeNull();
  });

  it('chat for a catalog-style shape on an L4: all layers on the GPU', async () => {
    const r = await api.call('hardware.fit', {
      shape: { name: 'granite-8b', parameters: 8.17e9, maxContext: 131072 },
      task: 'chat',
      profile: 'rhel-ai-serve-l4',
      context: 8192,
    });
    expect(r.fits).toBe(true);
    expect(r.device).toMatch(/^GPU 0/);
    expect(r.unknowns.join(' ')).toMatch(/unknown: used the shape of a known 8\.0B model/);
  });

  it('reports readiness of this machine and lists the profiles', async () => {
    const report = await api.call('hardware.report', {});
    expect(report?.profile.id).toBe('cpu-only');
    expect(report?.checks.map((c) => c.id)).toEqual(
      expect.arrayContaining(['gpu', 'llama', 'cpu', 'memory', 'disk', 'chat', 'sdg', 'training', 'trainer-env']),
    );
    for (const c of report?.checks ?? []) expect(['ok', 'warn', 'fail']).toContain(c.status);
    const profiles = await api.call('hardware.profiles', {});
    expect(profiles.filter((p) => p.reference).map((p) => p.id)).toEqual(
      expect.arrayContaining(['rhel-ai-2xa100', 'rhel-ai-2xh100', 'rhel-ai-4xl40s', 'rhel-ai-serve-l4']),
    );
    expect(profiles.find((p) => p.id === 'cpu-only')).toMatchObject({ training: null, chat: { gpuLayers: 0 } });
    const stats = await api.call('hardware.gpuStats', {});
    expect(stats.gpus).toEqual([]);
    expect(stats.reason).toMatch(/not installed/);
  });
});
