import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/helpers/temp-dir.js';
import { safetensorsBytes, tinyHfFiles, writeFolder } from '../../../test/helpers/tiny-hf-folder.js';
import { inspectHfFolder } from './hf-folder.js';

describe('Hugging Face folder checks', () => {
  const dir = tempDir();
  afterAll(() => dir.remove());

  it('summarises a folder with config, tokenizer and safetensors weights', async () => {
    const d = writeFolder(path.join(dir.path, 'good'), tinyHfFiles());
    const { summary, sizeBytes } = await inspectHfFolder(d);
    expect(summary).toMatchObject({
      architecture: 'llama',
      contextLength: 512,
      parameterCount: 4096,
      hasChatTemplate: true,
    });
    expect(sizeBytes).toBeGreaterThan(16384);
  });

  it('refuses a folder whose weights are only .bin pickles, and says why', async () => {
    const { 'model.safetensors': _w, ...rest } = tinyHfFiles();
    const d = writeFolder(path.join(dir.path, 'pickles'), { ...rest, 'pytorch_model.bin': Buffer.alloc(100) });
    await expect(inspectHfFolder(d)).rejects.toMatchObject({
      code: 'MODEL_INVALID',
      message: expect.stringMatching(/PyTorch pickles \(pytorch_model\.bin\).*safetensors only/),
    });
  });

  it('catches a truncated shard, a missing config and a missing tokenizer', async () => {
    const trunc = writeFolder(path.join(dir.path, 'trunc'), {
      ...tinyHfFiles(),
      'model.safetensors': safetensorsBytes({ w: [64, 64] }, 100),
    });
    await expect(inspectHfFolder(trunc)).rejects.toMatchObject({
      message: expect.stringMatching(/model\.safetensors: the file is truncated/),
    });
    const { 'config.json': _c, ...noConfig } = tinyHfFiles();
    await expect(inspectHfFolder(writeFolder(path.join(dir.path, 'nocfg'), noConfig))).rejects.toMatchObject({
      message: expect.stringContaining('config.json is missing'),
    });
    const { 'tokenizer.json': _t, ...noTok } = tinyHfFiles();
    await expect(inspectHfFolder(writeFolder(path.join(dir.path, 'notok'), noTok))).rejects.toMatchObject({
      message: expect.stringContaining('no tokenizer'),
    });
  });
});
