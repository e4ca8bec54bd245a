import { AppError } from '../../shared/errors.js';

/**
 * Which torch build to install. PyPI's Linux torch is built for CUDA 13 and also runs on the CPU
 * (measured: native/README.md), so it serves machines without an NVIDIA GPU and drivers that
 * support CUDA 13. Older drivers need a CUDA 12 build from PyTorch's own index.
 */
export type TorchPlan = { source: 'pypi' } | { source: 'index'; url: string; variant: string };

const PYTORCH_INDEX = 'https://download.pytorch.org/whl';
/** CUDA 12 builds PyTorch publishes next to CUDA 13, newest first: [variant, minimum driver CUDA]. */
const CUDA12_VARIANTS: Array<[string, number]> = [
  ['cu128', 12.8],
  ['cu126', 12.6],
];

const parse = (v: string): number => {
  const [major = '0', minor = '0'] = v.split('.');
  return Number(major) + Number(minor) / 10;
};

/** `driverCuda`: the CUDA version the NVIDIA driver supports (nvidia-smi), or null without one. */
export function torchPlan(driverCuda: string | null): TorchPlan {
  if (driverCuda === null) return { source: 'pypi' };
  const v = parse(driverCuda);
  if (v >= 13) return { source: 'pypi' };
  for (const [variant, min] of CUDA12_VARIANTS) {
    if (v >= min) return { source: 'index', url: `${PYTORCH_INDEX}/${variant}`, variant };
  }
  throw new AppError(
    'GPU_UNAVAILABLE',
    `The NVIDIA driver supports CUDA ${driverCuda}; the trainer's PyTorch needs CUDA 12.6 or newer.`,
    {
      hint: 'Update the NVIDIA driver (any driver from 2024 or later), then run the setup again.',
    },
  );
}

/** The lock without the packages an index build of torch brings itself (torch, its CUDA wheels, triton). */
export function lockWithoutTorch(lock: string): string {
  return lock
    .split('\n')
    .filter((l) => !/^(torch|triton|nvidia-[\w-]+|cuda-[\w-]+)==/i.test(l.trim()))
    .join('\n');
}

export function pinnedTorch(lock: string): string {
  const m = /^torch==(\S+)/m.exec(lock);
  if (!m) throw new AppError('ENV_SETUP_FAILED', 'requirements.txt pins no torch version');
  return `torch==${m[1]}`;
}
