import { GgufInsights, readGgufFileInfo } from 'node-llama-cpp';
import { beforeAll, describe, expect, it } from 'vitest';
import { tinyGguf } from '../../../test/helpers/tiny-gguf.js';
import { chatMemory } from './chat-memory.js';
import { readGgufLayout, type GgufLayout } from './gguf-layout.js';
import { sum } from './train-memory.js';

/**
 * Our chat estimate against node-llama-cpp's own GGUF memory resolver (GgufInsights, 3.21.1) on
 * the tiny GGUFs the tests build. Weights must agree exactly (both read the tensor table); the KV
 * cache and output buffers within 10 % or 256 KiB (node-llama-cpp's estimate without graph
 * overhead still holds ggml's graph bookkeeping, tensor overhead × graph nodes, about 130 KB here,
 * which our estimate counts in the compute buffer instead); the
 * totals within 50 %, because both sides only approximate llama.cpp's compute graph scratch
 * (node-llama-cpp's docs call its figure "a rough estimate"), which dominates models this small.
 */
describe('chat memory against node-llama-cpp’s GgufInsights on tiny GGUFs', () => {
  const cases: Array<{ name: string; file: string; layout: GgufLayout; insights: GgufInsights }> = [];
  beforeAll(async () => {
    for (const [name, opts] of [
      ['2 layers, 64 wide', {}],
      ['4 layers, 256 wide, 2048 context', { layers: 4, embd: 256, ctx: 2048, name: 'tiny-fit' }],
    ] as const) {
      const file = await tinyGguf(opts);
      const insights = await GgufInsights.from(
        await readGgufFileInfo(file, { readTensorInfo: true, logWarnings: false }),
      );
      cases.push({ name, file, layout: await readGgufLayout(file), insights });
    }
  }, 240_000);

  it('weights: the same bytes, split the same way between RAM and GPU', () => {
    for (const c of cases) {
      const layers = c.layout.layerBytes.length;
      const cpu = c.insights.estimateModelResourceRequirements({ gpuLayers: 0 });
      expect(chatMemory(c.layout, { gpuLayers: 0, contextSize: 256, sequences: 1 }).ram.weights, c.name).toBe(
        cpu.cpuRam,
      );
      const all = c.insights.estimateModelResourceRequirements({ gpuLayers: layers + 1 });
      const mine = chatMemory(c.layout, { gpuLayers: layers + 1, contextSize: 256, sequences: 1 });
      expect(mine.gpu.weights, c.name).toBe(all.gpuVram);
      expect(mine.ram.weights, c.name).toBe(all.cpuRam);
      expect(c.layout.parameters, c.name).toBe(c.insights.totalParameters);
    }
  });

  it('KV cache and output buffers within 10 % or 256 KiB, totals within 50 %, for several contexts', () => {
    for (const c of cases)
      for (const ctx of [256, 512, 2048]) {
        const batchSize = Math.min(512, ctx);
        const theirs = c.insights.estimateContextResourceRequirements({
          contextSize: ctx,
          modelGpuLayers: 0,
          sequences: 1,
          batchSize,
          includeGraphOverhead: false,
        }).cpuRam;
        const withGraph = c.insights.estimateContextResourceRequirements({
          contextSize: ctx,
          modelGpuLayers: 0,
          sequences: 1,
          batchSize,
        }).cpuRam;
        const m = chatMemory(c.layout, { gpuLayers: 0, contextSize: ctx, sequences: 1 }).ram;
        const cache = (m.kv_cache ?? 0) + (m.output_buffer ?? 0);
        expect(Math.abs(cache - theirs), `${c.name} @${ctx}`).toBeLessThanOrEqual(Math.max(0.1 * theirs, 256 * 1024));
        const total = cache + (m.compute_buffer ?? 0);
        expect(total / withGraph, `${c.name} @${ctx} total`).toBeGreaterThan(0.5);
        expect(total / withGraph, `${c.name} @${ctx} total`).toBeLessThan(1.5);
      }
  });

  it('the KV cache grows with context and sequences, and follows the layers to the GPU', () => {
    const c = cases[1];
    if (!c) throw new Error('no case');
    const layers = c.layout.layerBytes.length;
    const a = chatMemory(c.layout, { gpuLayers: 0, contextSize: 1024, sequences: 1 });
    const b = chatMemory(c.layout, { gpuLayers: 0, contextSize: 2048, sequences: 2 });
    expect((b.ram.kv_cache ?? 0) / (a.ram.kv_cache ?? 1)).toBe(4);
    const half = chatMemory(c.layout, { gpuLayers: layers / 2, contextSize: 1024, sequences: 1 });
    expect(half.gpu.kv_cache).toBe((a.ram.kv_cache ?? 0) / 2);
    expect(sum(half.gpu) + sum(half.ram)).toBeCloseTo(sum(a.ram), -3);
  });
});
