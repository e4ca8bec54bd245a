import { statfs } from 'node:fs/promises';
import os from 'node:os';
import si from 'systeminformation';
import type {
  GpuInfo,
  HardwareInfo,
  LlamaBackends,
  ProbeInfo,
  PythonStatus,
  TrainerEnvInfo,
} from '../../shared/contract/index.js';
import { detectLlamaBackends } from './llama-backends.js';
import { queryNvidiaSmi } from './nvidia-smi.js';
import { appleGpu, queryRocmSmi } from './other-gpus.js';
import { probe } from './run-tool.js';

/** The parts of systeminformation the scan uses (tests pass one that throws). */
export type SystemInfoApi = Pick<typeof si, 'osInfo' | 'cpu' | 'cpuFlags' | 'mem' | 'graphics'>;

export interface ScanOptions {
  dataDir: string;
  /** PATH for nvidia-smi / rocm-smi (default: the process's). */
  toolPath?: string;
  /** Per-probe deadline; the trainer check gets twice this (it imports torch). */
  timeoutMs?: number;
  systemInfo?: SystemInfoApi;
  /** The trainer environment's status (`core.python.status`); the scan never waits longer than `trainerTimeoutMs`. */
  trainerStatus?: (signal: AbortSignal) => Promise<PythonStatus>;
  /** Default 5 s: importing torch can take longer; the caller may add the late answer afterwards. */
  trainerTimeoutMs?: number;
  /** Skip node-llama-cpp's detection (a probe entry says so). */
  skipLlama?: boolean;
  onProbe?: (probe: ProbeInfo, done: number, total: number) => void;
  signal: AbortSignal;
}

/** The trainer probe's answer from `python.status`. */
export function trainerProbe(s: PythonStatus): {
  value: TrainerEnvInfo | null;
  status: ProbeInfo['status'];
  reason: string;
} {
  if (!s.env)
    return {
      value: null,
      status: 'warn',
      reason: s.problem ?? 'The trainer environment is not set up yet (Python setup on the Dashboard).',
    };
  const env: TrainerEnvInfo = { python: s.env.python, torch: s.env.torch, cuda: s.env.cuda, ready: s.env.ready };
  return {
    value: env,
    status: env.ready ? 'ok' : 'warn',
    reason: env.ready
      ? `torch ${env.torch ?? '?'}${env.cuda ? ' with CUDA' : ' (CPU only)'} in ${env.python}`
      : `The trainer environment at ${env.python} is incomplete.`,
  };
}

const VIRTUAL = /virtio|vmware|cirrus|qxl|bochs|llvmpipe|microsoft basic|hyper-v/i;
const mb = (bytes: number): number => Math.round(bytes / 2 ** 20);

/**
 * Reads what this machine has. Every step is a probe with a deadline: a missing, hanging or
 * garbling tool, a throwing systeminformation call or an unreadable disk never stops the scan;
 * `probes` and `notes` say what could not be detected and why.
 */
export async function scanHardware(opts: ScanOptions): Promise<HardwareInfo> {
  const sys = opts.systemInfo ?? si;
  const t = opts.timeoutMs ?? 15_000;
  const tool = { timeoutMs: t, path: opts.toolPath };
  // The tools get their own deadline per call (with a precise reason); this one catches the rest.
  const toolDeadline = 3 * t + 1000;
  const probes: ProbeInfo[] = [];
  const total = 9;
  const run = async <T>(
    id: string,
    fn: (signal: AbortSignal) => Promise<{ value: T; status?: ProbeInfo['status']; reason: string }>,
    ms = t,
  ): Promise<T | null> => {
    const r = await probe(id, ms, fn, opts.signal);
    probes.push(r.probe);
    opts.onProbe?.(r.probe, probes.length, total);
    return r.value;
  };

  const osP = run('os', async () => {
    const o = await sys.osInfo();
    return { value: o, reason: `${o.distro} ${o.release}` };
  });
  const cpuP = run('cpu', async () => {
    const [c, f] = await Promise.all([sys.cpu(), sys.cpuFlags()]);
    return { value: { c, flags: f.split(/\s+/).filter(Boolean) }, reason: c.brand };
  });
  const memP = run('memory', async () => {
    const m = await sys.mem();
    return { value: m, reason: `${mb(m.total)} MB RAM` };
  });
  const nvP = run(
    'nvidia-smi',
    async (signal) => {
      const r = await queryNvidiaSmi({ ...tool, signal });
      return { value: r.gpus, status: r.status, reason: r.reason };
    },
    toolDeadline,
  );
  const rocmP = run(
    'rocm-smi',
    async (signal) => {
      if (process.platform === 'darwin') return { value: [] as GpuInfo[], reason: 'not looked for on macOS.' };
      const r = await queryRocmSmi({ ...tool, signal });
      return { value: r.gpus, status: r.status, reason: r.reason };
    },
    toolDeadline,
  );
  const llamaP = run(
    'llama',
    async (signal) => {
      if (opts.skipLlama)
        return {
          value: null as LlamaBackends | null,
          status: 'warn' as const,
          reason: 'skipped (asked not to load node-llama-cpp).',
        };
      return detectLlamaBackends(signal);
    },
    Math.max(2 * t, 30_000),
  ); // loading the native addon takes seconds on a busy machine
  const diskP = run('disk', async () => {
    const s = await statfs(opts.dataDir);
    const free = mb(s.bavail * s.bsize);
    return { value: { totalMb: mb(s.blocks * s.bsize), freeMb: free }, reason: `${free} MB free at ${opts.dataDir}` };
  });
  const trainerP = run(
    'trainer',
    async (signal) => {
      if (!opts.trainerStatus)
        return { value: null as TrainerEnvInfo | null, status: 'warn' as const, reason: 'not checked.' };
      return trainerProbe(await opts.trainerStatus(signal));
    },
    opts.trainerTimeoutMs ?? 5000,
  );

  const [osInfo, cpu, mem, nvidia, rocm, backends, disk, trainer] = await Promise.all([
    osP,
    cpuP,
    memP,
    nvP,
    rocmP,
    llamaP,
    diskP,
    trainerP,
  ]);
  opts.signal.throwIfAborted();

  const flags = cpu?.flags ?? [];
  const cpus = os.cpus();
  const totalMb = mem ? mb(mem.total) : mb(os.totalmem());
  const brand = cpu?.c.brand || cpus[0]?.model || 'unknown CPU';
  let gpus: GpuInfo[] = [...(nvidia ?? []), ...(rocm ?? [])];
  if (gpus.length === 0 && process.platform === 'darwin' && process.arch === 'arm64') {
    const metal = backends?.selected === 'metal' ? backends.vramTotalBytes : null;
    gpus = [appleGpu(brand, totalMb, metal)];
  }
  if (gpus.length === 0) {
    const graphics = await run('systeminformation.gpu', async () => {
      const g = await sys.graphics();
      const real = g.controllers.filter((c) => !VIRTUAL.test(`${c.vendor} ${c.model}`));
      return {
        value: real,
        reason: real.length ? `${real.length} display adapter(s)` : 'no GPU besides virtual display adapters.',
      };
    });
    gpus = (graphics ?? []).map((c, index) => ({
      index,
      vendor: c.vendor || 'unknown',
      model: c.model || 'unknown',
      vramMb: c.vram ?? null,
      vramFreeMb: c.memoryFree ?? null,
      driverVersion: c.driverVersion || null,
      cudaVersion: null,
      computeCapability: null,
      source: 'systeminformation',
      utilizationPct: c.utilizationGpu ?? null,
      mig: [],
      unifiedMemory: false,
    }));
  } else {
    probes.push({
      id: 'systeminformation.gpu',
      status: 'ok',
      reason: 'not needed (GPUs found by the vendor tools).',
      ms: 0,
    });
  }

  // The trainer check may still answer after the scan (see HardwareService), so it is no note here.
  const notes = probes
    .filter((p) => p.status === 'fail' && p.id !== 'trainer')
    .map((p) => `Could not detect ${p.id}: ${p.reason}`);
  if (gpus.length === 0)
    notes.push('No GPU found: chat and data generation run on the CPU; training is limited to tiny models.');
  return {
    scannedAt: Date.now(),
    os: osInfo
      ? { platform: osInfo.platform, distro: osInfo.distro, release: osInfo.release, arch: osInfo.arch }
      : { platform: process.platform, distro: os.type(), release: os.release(), arch: process.arch },
    cpu: {
      brand,
      manufacturer: cpu?.c.manufacturer ?? '',
      physicalCores: cpu?.c.physicalCores || os.availableParallelism(),
      logicalCores: cpu?.c.cores || os.availableParallelism(),
      flags,
      avx2: flags.includes('avx2'),
      avx512: flags.some((f) => f === 'avx512f' || f === 'avx512'),
    },
    memory: { totalMb, availableMb: mem ? mb(mem.available) : mb(os.freemem()) },
    gpus,
    disk: { path: opts.dataDir, totalMb: disk?.totalMb ?? null, freeMb: disk?.freeMb ?? null },
    notes,
    backends,
    trainer,
    probes,
  };
}
