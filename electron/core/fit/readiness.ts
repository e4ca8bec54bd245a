import type { HardwareInfo, HardwareReport, ReadinessCheck } from '../../shared/contract/index.js';
import { fitChat, layoutFromShape } from './chat-fit.js';
import { gib, machineFromInfo } from './machine.js';
import { LAB_STUDENT, LAB_TEACHER, matchProfile, profileName, Q4_K_M_BITS } from './profiles.js';
import { trainingPreset } from './train-fit.js';

const GB = 1024;

/** The readiness checklist, the profile and the training preset for a scan. */
export function buildReport(info: HardwareInfo): HardwareReport {
  const m = machineFromInfo(info);
  const checks: ReadinessCheck[] = [];
  const add = (id: string, title: string, status: ReadinessCheck['status'], reason: string): void => {
    checks.push({ id, title, status, reason });
  };
  const probe = (id: string) => info.probes.find((p) => p.id === id);

  // GPU and driver
  const nv = probe('nvidia-smi');
  if (m.trainGpus.length > 0) {
    const groups = new Map<string, number>();
    for (const d of m.trainGpus) {
      const key = `${d.name.replace(/^GPU \d+ /, '').replace(/^\((.*)\)$/, '$1')}, ${gib(d.totalBytes)}`;
      groups.set(key, (groups.get(key) ?? 0) + 1);
    }
    const list = [...groups].map(([k, n]) => `${n}× ${k}`).join('; ');
    add('gpu', 'GPU', 'ok', `${m.trainGpus.length} GPU${m.trainGpus.length > 1 ? 's' : ''} for training: ${list}.`);
  } else if (m.unifiedMemory)
    add(
      'gpu',
      'GPU',
      'warn',
      'Apple Silicon GPU (unified memory): chat runs on Metal; the trainer needs an NVIDIA GPU for real models.',
    );
  else
    add(
      'gpu',
      'GPU',
      'warn',
      'No NVIDIA or AMD GPU found: chat and data generation run on the CPU; training is limited to tiny models.',
    );
  if (nv && nv.status === 'fail') add('driver', 'NVIDIA driver', 'fail', nv.reason);
  else if (info.gpus.some((g) => g.vendor === 'NVIDIA')) {
    const cuda = info.gpus.find((g) => g.cudaVersion)?.cudaVersion;
    const drv = info.gpus.find((g) => g.driverVersion)?.driverVersion;
    add(
      'driver',
      'NVIDIA driver',
      cuda ? 'ok' : 'warn',
      cuda ? `Driver ${drv ?? '?'}, CUDA ${cuda}.` : `Driver ${drv ?? '?'}; the CUDA version is unknown.`,
    );
  }

  // Inference engine (LAB pitfall: a GPU the inference engine does not use)
  const lp = probe('llama');
  if (!info.backends)
    add(
      'llama',
      'Inference engine',
      lp?.status === 'warn' ? 'warn' : 'fail',
      `node-llama-cpp's detection: ${lp?.reason ?? 'not run'}.`,
    );
  else if (info.backends.selected === 'cpu' && m.trainGpus.length > 0)
    add(
      'llama',
      'Inference engine',
      'warn',
      `There is a GPU, but node-llama-cpp can only use the CPU (usable backends: ${info.backends.supported.join(', ')}); chat will be slow. Check the CUDA/Vulkan runtime.`,
    );
  else
    add(
      'llama',
      'Inference engine',
      'ok',
      `node-llama-cpp uses ${info.backends.selected ?? 'cpu'}${info.backends.devices.length ? ` (${info.backends.devices.join(', ')})` : ''}.`,
    );

  // CPU
  const x86 = /x64|x86|amd64|ia32/i.test(info.os.arch);
  if (!probe('cpu') || probe('cpu')?.status === 'fail')
    add('cpu', 'Processor', 'warn', `Could not read the CPU: ${probe('cpu')?.reason ?? 'not probed'}.`);
  else if (x86 && !info.cpu.avx2)
    add('cpu', 'Processor', 'warn', `${info.cpu.brand} has no AVX2: llama.cpp on the CPU will be slow.`);
  else
    add(
      'cpu',
      'Processor',
      'ok',
      `${info.cpu.brand}, ${info.cpu.physicalCores} cores${info.cpu.avx512 ? ', AVX-512' : info.cpu.avx2 ? ', AVX2' : ''}.`,
    );

  // Memory and disk
  const ram = info.memory.totalMb;
  add(
    'memory',
    'Memory',
    ram >= 16 * GB ? 'ok' : ram >= 8 * GB ? 'warn' : 'fail',
    `${(ram / GB).toFixed(0)} GB RAM${ram < 16 * GB ? ': 7B models need 16 GB or more' : ''}.`,
  );
  const free = info.disk.freeMb;
  if (free === null)
    add(
      'disk',
      'Disk space',
      'warn',
      `Free space of ${info.disk.path} could not be read: ${probe('disk')?.reason ?? 'unknown'}.`,
    );
  else
    add(
      'disk',
      'Disk space',
      free >= 100 * GB ? 'ok' : free >= 30 * GB ? 'warn' : 'fail',
      `${(free / GB).toFixed(0)} GB free at ${info.disk.path}${free < 100 * GB ? ' (a 7B run with checkpoints takes 50–100 GB)' : ''}.`,
    );

  // What the LAB workflow can do here
  const teacher = fitChat(layoutFromShape(LAB_TEACHER, Q4_K_M_BITS), m, {}, []);
  const onGpu = (teacher.preset && 'gpuLayers' in teacher.preset ? teacher.preset.gpuLayers : 0) > LAB_TEACHER.layers;
  add('chat', 'Chat with a 7B model', teacher.fits ? (onGpu ? 'ok' : 'warn') : 'fail', teacher.reason);
  add(
    'sdg',
    'Synthetic data (local 7B teacher)',
    teacher.fits && onGpu ? 'ok' : teacher.fits ? 'warn' : 'fail',
    teacher.fits && onGpu
      ? 'The teacher runs on the GPU.'
      : teacher.fits
        ? 'The teacher runs on the CPU: generation takes hours for a small taxonomy.'
        : 'A 7B teacher does not fit: use a remote teacher endpoint.',
  );
  const training = m.trainGpus.length > 0 ? trainingPreset(LAB_STUDENT, m) : null;
  if (training)
    add(
      'training',
      `Training (${LAB_STUDENT.name})`,
      training.method === 'qlora' || training.offloadOptimizer ? 'warn' : 'ok',
      training.reason,
    );
  else
    add(
      'training',
      `Training (${LAB_STUDENT.name})`,
      'fail',
      m.trainGpus.length
        ? 'Not even QLoRA of the student fits these GPUs.'
        : 'No GPU for the trainer: only tiny models train on the CPU.',
    );

  // Trainer environment
  const tp = probe('trainer');
  if (info.trainer?.ready) {
    const noCuda = m.trainGpus.some((g) => /NVIDIA/i.test(g.name)) && !info.trainer.cuda;
    add(
      'trainer-env',
      'Trainer environment',
      noCuda ? 'warn' : 'ok',
      noCuda
        ? `torch ${info.trainer.torch ?? '?'} was installed without CUDA: training would run on the CPU.`
        : `torch ${info.trainer.torch ?? '?'}${info.trainer.cuda ? ' with CUDA' : ''}.`,
    );
  } else add('trainer-env', 'Trainer environment', 'warn', tp?.reason ?? 'Not set up yet.');

  const profile = matchProfile(m, info.gpus.find((g) => /nvidia|amd/i.test(g.vendor))?.model ?? null);
  return { info, profile: { ...profile, name: profileName(profile.id) }, checks, training };
}
