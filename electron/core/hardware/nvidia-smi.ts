import type { GpuInfo, GpuStat, MigInstance } from '../../shared/contract/index.js';
import { firstLine, runTool, type ToolOptions } from './run-tool.js';

/** The fields asked of `nvidia-smi --query-gpu` (see `nvidia-smi --help-query-gpu`). */
export const QUERY_FIELDS = [
  'index',
  'name',
  'memory.total',
  'memory.free',
  'driver_version',
  'compute_cap',
  'utilization.gpu',
  'mig.mode.current',
  'uuid',
] as const;
/** Drivers before 510 do not know `compute_cap`; they are asked without it. */
const OLD_DRIVER_FIELDS = QUERY_FIELDS.filter((f) => f !== 'compute_cap');

const na = (s: string | undefined): string | null => {
  const t = s?.trim() ?? '';
  return t === '' || /^\[?(N\/A|Not Supported|Unknown Error|Insufficient Permissions)\]?$/i.test(t) ? null : t;
};
const num = (s: string | undefined): number | null => {
  const t = na(s);
  const n = t === null ? NaN : Number(t);
  return Number.isFinite(n) ? n : null;
};

export interface NvidiaParse {
  gpus: GpuInfo[];
  /** Lines that did not have the asked-for shape (garbage, a warning printed on stdout). */
  rejected: string[];
}

/** Parses `nvidia-smi --query-gpu=<fields> --format=csv,noheader,nounits` (one GPU per line). */
export function parseNvidiaSmiCsv(
  csv: string,
  cudaVersion: string | null,
  fields: readonly string[] = QUERY_FIELDS,
): NvidiaParse {
  const gpus: GpuInfo[] = [];
  const rejected: string[] = [];
  for (const line of csv.split('\n').map((l) => l.trim())) {
    if (!line) continue;
    const cells = line.split(',').map((c) => c.trim());
    const get = (f: string): string | undefined => cells[fields.indexOf(f)];
    const index = num(get('index'));
    const total = num(get('memory.total'));
    if (cells.length !== fields.length || index === null || !Number.isInteger(index) || total === null) {
      rejected.push(line);
      continue;
    }
    gpus.push({
      index,
      vendor: 'NVIDIA',
      model: na(get('name')) ?? 'NVIDIA GPU',
      vramMb: total,
      vramFreeMb: num(get('memory.free')),
      driverVersion: na(get('driver_version')),
      cudaVersion,
      computeCapability: na(get('compute_cap')),
      source: 'nvidia-smi',
      utilizationPct: num(get('utilization.gpu')),
      mig: [],
      unifiedMemory: false,
    });
  }
  return { gpus, rejected };
}

/** The "CUDA Version: 12.4" the driver supports, from nvidia-smi's banner. */
export function parseCudaVersion(banner: string): string | null {
  return /CUDA Version:\s*([\d.]+)/.exec(banner)?.[1] ?? null;
}

/** Which GPU indices run in MIG mode, from the `mig.mode.current` column. */
export function migEnabledIndices(csv: string, fields: readonly string[] = QUERY_FIELDS): number[] {
  const at = fields.indexOf('mig.mode.current');
  const ix = fields.indexOf('index');
  return csv
    .split('\n')
    .map((l) => l.split(',').map((c) => c.trim()))
    .filter((c) => c.length === fields.length && /^enabled$/i.test(c[at] ?? ''))
    .map((c) => Number(c[ix]));
}

/**
 * MIG slices per GPU index from `nvidia-smi -L`:
 * `GPU 0: NVIDIA A100-SXM4-80GB (UUID: GPU-…)` then `  MIG 3g.40gb     Device  0: (UUID: MIG-…)`.
 */
export function parseMigList(text: string): Map<number, MigInstance[]> {
  const out = new Map<number, MigInstance[]>();
  let gpu: number | null = null;
  for (const line of text.split('\n')) {
    const g = /^GPU\s+(\d+):/.exec(line.trim());
    if (g) {
      gpu = Number(g[1]);
      continue;
    }
    const m = /^MIG\s+(\S+)\s+Device\s+\d+:\s*\(UUID:\s*([^)]+)\)/.exec(line.trim());
    if (m && gpu !== null) {
      const profile = m[1] ?? '';
      const gb = /\.(\d+)gb$/i.exec(profile);
      const list = out.get(gpu) ?? [];
      list.push({ profile, memoryMb: gb ? Number(gb[1]) * 1024 : null, uuid: m[2]?.trim() ?? null });
      out.set(gpu, list);
    }
  }
  return out;
}

export interface NvidiaProbe {
  gpus: GpuInfo[];
  status: 'ok' | 'warn' | 'fail';
  reason: string;
}

const TOOL = 'nvidia-smi';

/** NVIDIA GPUs via nvidia-smi. Never throws: a missing, failing, hanging or garbling tool becomes a reason. */
export async function queryNvidiaSmi(opts: ToolOptions): Promise<NvidiaProbe> {
  const ask = (fields: readonly string[]) =>
    runTool(TOOL, [`--query-gpu=${fields.join(',')}`, '--format=csv,noheader,nounits'], opts);
  let fields: readonly string[] = QUERY_FIELDS;
  let r = await ask(fields);
  if (r.outcome === 'failed' && /not a valid field/i.test(r.stdout + r.stderr)) {
    fields = OLD_DRIVER_FIELDS;
    r = await ask(fields);
  }
  if (r.outcome === 'missing')
    return { gpus: [], status: 'warn', reason: 'nvidia-smi is not installed (no NVIDIA driver on this machine).' };
  if (r.outcome === 'timeout')
    return {
      gpus: [],
      status: 'fail',
      reason: `nvidia-smi did not answer within ${Math.round(opts.timeoutMs / 1000)} s (a hung driver?); NVIDIA GPUs were not detected.`,
    };
  if (r.outcome === 'failed') {
    const why = firstLine(r.stdout) || firstLine(r.stderr) || `exit code ${r.code}`;
    return { gpus: [], status: 'fail', reason: `nvidia-smi failed: ${why}` };
  }
  const banner = await runTool(TOOL, [], opts);
  const cuda = banner.outcome === 'ok' ? parseCudaVersion(banner.stdout) : null;
  const parsed = parseNvidiaSmiCsv(r.stdout, cuda, fields);
  if (parsed.gpus.length === 0) {
    const shown = firstLine(parsed.rejected.join('\n') || r.stdout).slice(0, 120);
    return {
      gpus: [],
      status: 'fail',
      reason: shown
        ? `nvidia-smi printed output LabForge could not read ("${shown}"); NVIDIA GPUs were not detected.`
        : 'nvidia-smi listed no GPU.',
    };
  }
  const migOn = migEnabledIndices(r.stdout, fields);
  if (migOn.length > 0) {
    const list = await runTool(TOOL, ['-L'], opts);
    const mig = list.outcome === 'ok' ? parseMigList(list.stdout) : new Map<number, MigInstance[]>();
    for (const g of parsed.gpus) g.mig = mig.get(g.index) ?? [];
  }
  const notes: string[] = [];
  if (cuda === null) notes.push('the CUDA version could not be read from its banner');
  if (parsed.rejected.length > 0) notes.push(`${parsed.rejected.length} unreadable line(s) were skipped`);
  const mig = parsed.gpus.filter((g) => g.mig.length > 0);
  const found = `${parsed.gpus.length} NVIDIA GPU(s)${mig.length ? `, MIG on GPU ${mig.map((g) => g.index).join(', ')}` : ''}`;
  return {
    gpus: parsed.gpus,
    status: notes.length ? 'warn' : 'ok',
    reason: notes.length ? `${found}; ${notes.join('; ')}.` : `${found}.`,
  };
}

/** Utilisation and memory now, for the live Dashboard view. */
export async function nvidiaStats(opts: ToolOptions): Promise<{ gpus: GpuStat[]; reason: string | null }> {
  const r = await runTool(
    TOOL,
    ['--query-gpu=index,name,utilization.gpu,memory.used,memory.total', '--format=csv,noheader,nounits'],
    opts,
  );
  if (r.outcome !== 'ok')
    return {
      gpus: [],
      reason:
        r.outcome === 'missing'
          ? 'nvidia-smi is not installed.'
          : r.outcome === 'timeout'
            ? 'nvidia-smi did not answer in time.'
            : `nvidia-smi failed: ${firstLine(r.stdout + r.stderr)}`,
    };
  const gpus: GpuStat[] = [];
  for (const line of r.stdout.split('\n')) {
    const c = line.split(',').map((s) => s.trim());
    const index = num(c[0]);
    if (c.length !== 5 || index === null) continue;
    gpus.push({
      index,
      model: c[1] ?? 'NVIDIA GPU',
      utilizationPct: num(c[2]),
      memoryUsedMb: num(c[3]),
      memoryTotalMb: num(c[4]),
    });
  }
  return { gpus, reason: gpus.length ? null : 'nvidia-smi listed no GPU.' };
}
