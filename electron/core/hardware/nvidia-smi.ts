import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { GpuInfo } from '../../shared/contract/index.js';

const run = promisify(execFile);

const QUERY = 'index,name,memory.total,memory.free,driver_version,compute_cap';

const num = (s: string | undefined): number | null => {
  const n = Number(s?.trim());
  return s === undefined || s.trim() === '' || Number.isNaN(n) ? null : n;
};

/** Parses `nvidia-smi --query-gpu=<QUERY> --format=csv,noheader,nounits`. */
export function parseNvidiaSmiCsv(csv: string, cudaVersion: string | null): GpuInfo[] {
  return csv
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const [index, name, total, free, driver, cc] = line.split(',').map((c) => c.trim());
      return {
        index: num(index) ?? 0,
        vendor: 'NVIDIA',
        model: name ?? 'NVIDIA GPU',
        vramMb: num(total),
        vramFreeMb: num(free),
        driverVersion: driver && driver !== '[N/A]' ? driver : null,
        cudaVersion,
        computeCapability: cc && cc !== '[N/A]' ? cc : null,
        source: 'nvidia-smi',
      };
    });
}

/** The "CUDA Version: 12.4" the driver supports, from nvidia-smi's banner. */
export function parseCudaVersion(banner: string): string | null {
  return /CUDA Version:\s*([\d.]+)/.exec(banner)?.[1] ?? null;
}

/** NVIDIA GPUs via nvidia-smi; an empty list when the tool is absent or fails. */
export async function queryNvidiaSmi(signal?: AbortSignal): Promise<{ gpus: GpuInfo[]; note: string | null }> {
  const opts = { timeout: 10_000, signal, windowsHide: true };
  try {
    const [{ stdout: csv }, banner] = await Promise.all([
      run('nvidia-smi', [`--query-gpu=${QUERY}`, '--format=csv,noheader,nounits'], opts),
      run('nvidia-smi', [], opts).then(
        (r) => r.stdout,
        () => '',
      ),
    ]);
    return { gpus: parseNvidiaSmiCsv(csv, parseCudaVersion(banner)), note: null };
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') return { gpus: [], note: null };
    return { gpus: [], note: `nvidia-smi failed: ${(e.stderr || e.message).trim().split('\n')[0]}` };
  }
}
