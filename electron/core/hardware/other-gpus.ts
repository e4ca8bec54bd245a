import type { GpuInfo, GpuStat } from '../../shared/contract/index.js';
import { firstLine, runTool, type ToolOptions } from './run-tool.js';

const ROCM_ARGS = ['--showproductname', '--showmeminfo', 'vram', '--showuse', '--showdriverversion', '--json'];

/** A key of a rocm-smi card object, matched loosely (ROCm releases change the capitalisation). */
const field = (card: Record<string, unknown>, re: RegExp): string | null => {
  for (const [k, v] of Object.entries(card))
    if (re.test(k) && (typeof v === 'string' || typeof v === 'number')) return String(v);
  return null;
};

/**
 * Parses `rocm-smi --showproductname --showmeminfo vram --showuse --json`:
 * `{ "card0": { "Card series": "...", "VRAM Total Memory (B)": "...", "VRAM Total Used Memory (B)": "...", "GPU use (%)": "..." } }`.
 * Throws with a reason when the output is not that JSON.
 */
export function parseRocmSmiJson(text: string): GpuInfo[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new Error(`rocm-smi printed output LabForge could not read ("${firstLine(text).slice(0, 120)}")`);
  }
  if (typeof data !== 'object' || data === null) throw new Error('rocm-smi printed no card list');
  const system = (data as Record<string, unknown>).system as Record<string, unknown> | undefined;
  const driver = system ? field(system, /driver version/i) : null;
  const gpus: GpuInfo[] = [];
  for (const [key, value] of Object.entries(data)) {
    const m = /^card(\d+)$/i.exec(key);
    if (!m || typeof value !== 'object' || value === null) continue;
    const card = value as Record<string, unknown>;
    const total = Number(field(card, /vram total memory/i));
    const used = Number(field(card, /vram total used/i));
    const use = Number(field(card, /gpu use/i));
    gpus.push({
      index: Number(m[1]),
      vendor: 'AMD',
      model: field(card, /card series/i) ?? field(card, /card model/i) ?? 'AMD GPU',
      vramMb: Number.isFinite(total) && total > 0 ? Math.round(total / 2 ** 20) : null,
      vramFreeMb:
        Number.isFinite(total) && Number.isFinite(used) && total > 0 ? Math.round((total - used) / 2 ** 20) : null,
      driverVersion: driver,
      cudaVersion: null,
      computeCapability: field(card, /gfx version/i),
      source: 'rocm-smi',
      utilizationPct: Number.isFinite(use) ? use : null,
      mig: [],
      unifiedMemory: false,
    });
  }
  return gpus;
}

/** AMD GPUs via rocm-smi; never throws. */
export async function queryRocmSmi(
  opts: ToolOptions,
): Promise<{ gpus: GpuInfo[]; status: 'ok' | 'warn' | 'fail'; reason: string }> {
  const r = await runTool('rocm-smi', ROCM_ARGS, opts);
  if (r.outcome === 'missing') return { gpus: [], status: 'warn', reason: 'rocm-smi is not installed (no ROCm).' };
  if (r.outcome === 'timeout')
    return {
      gpus: [],
      status: 'fail',
      reason: `rocm-smi did not answer within ${Math.round(opts.timeoutMs / 1000)} s.`,
    };
  if (r.outcome === 'failed')
    return { gpus: [], status: 'fail', reason: `rocm-smi failed: ${firstLine(r.stderr) || firstLine(r.stdout)}` };
  try {
    const gpus = parseRocmSmiJson(r.stdout);
    return { gpus, status: 'ok', reason: gpus.length ? `${gpus.length} AMD GPU(s).` : 'rocm-smi listed no GPU.' };
  } catch (err) {
    return { gpus: [], status: 'fail', reason: (err as Error).message };
  }
}

/** AMD live numbers for the Dashboard. */
export async function rocmStats(opts: ToolOptions): Promise<GpuStat[]> {
  const r = await runTool('rocm-smi', ROCM_ARGS, opts);
  if (r.outcome !== 'ok') return [];
  try {
    return parseRocmSmiJson(r.stdout).map((g) => ({
      index: g.index,
      model: g.model,
      utilizationPct: g.utilizationPct,
      memoryUsedMb: g.vramMb !== null && g.vramFreeMb !== null ? g.vramMb - g.vramFreeMb : null,
      memoryTotalMb: g.vramMb,
    }));
  } catch {
    return [];
  }
}

/**
 * Apple Silicon: the GPU uses the system memory. Metal lets one process use about 2/3 of it on
 * machines up to 36 GB and about 3/4 above (the `recommendedMaxWorkingSetSize` that llama.cpp's
 * Metal backend reports; see ggml-metal's device setup). When llama.cpp itself reported the figure
 * (`metalBytes`), that wins.
 */
export function appleGpu(cpuBrand: string, totalRamMb: number, metalBytes: number | null): GpuInfo {
  const share = totalRamMb <= 36 * 1024 ? 2 / 3 : 3 / 4;
  const vramMb = metalBytes && metalBytes > 0 ? Math.round(metalBytes / 2 ** 20) : Math.round(totalRamMb * share);
  return {
    index: 0,
    vendor: 'Apple',
    model: `${cpuBrand || 'Apple Silicon'} GPU`,
    vramMb,
    vramFreeMb: null,
    driverVersion: null,
    cudaVersion: null,
    computeCapability: null,
    source: metalBytes ? 'node-llama-cpp (metal)' : 'apple',
    utilizationPct: null,
    mig: [],
    unifiedMemory: true,
  };
}
