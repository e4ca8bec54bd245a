import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportTarget, safeModelName } from './export-job.js';

const data = path.resolve('/data');
const models = path.join(data, 'models');
const ckpt = path.join(data, 'runs', 'r1', 'phase2-skills', 'checkpoints', 'epoch-3');

describe('export targets', () => {
  it('defaults inside the models folder, named after the checkpoint', () => {
    expect(exportTarget(data, ckpt, { quant: 'q8_0' })).toBe(path.join(models, 'phase2-skills-epoch-3-q8_0.gguf'));
  });

  it('sanitises a caller-given name so it can never become a path', () => {
    expect(safeModelName('../../etc/passwd')).toBe('etc_passwd');
    expect(safeModelName('my model (v2)')).toBe('my_model_v2_');
    expect(safeModelName('...')).toBe('model');
    expect(exportTarget(data, ckpt, { quant: 'f16', name: '../../../tmp/x' })).toBe(path.join(models, 'tmp_x.gguf'));
  });

  it('keeps a relative --out inside the models folder and refuses one that leaves it', () => {
    expect(exportTarget(data, ckpt, { quant: 'f16', out: 'sub/a.gguf' })).toBe(path.join(models, 'sub', 'a.gguf'));
    expect(() => exportTarget(data, ckpt, { quant: 'f16', out: '../outside.gguf' })).toThrow(
      expect.objectContaining({ code: 'PATH_OUTSIDE_ROOT' }),
    );
  });

  it('writes an absolute --out where the user said', () => {
    expect(exportTarget(data, ckpt, { quant: 'f16', out: '/srv/share/m.gguf' })).toBe(
      path.resolve('/srv/share/m.gguf'),
    );
  });
});
