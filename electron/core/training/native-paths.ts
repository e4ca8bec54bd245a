import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppError } from '../../shared/errors.js';

/**
 * The folder holding the `labforge_trainer` package: LABFORGE_NATIVE_DIR, the checkout's
 * native/ (found by walking up from this module), or the packaged app's resources/native.
 */
export function findNativeDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.LABFORGE_NATIVE_DIR) return path.resolve(env.LABFORGE_NATIVE_DIR);
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, 'native');
    if (existsSync(path.join(candidate, 'labforge_trainer', 'worker.py'))) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  const resources = (process as { resourcesPath?: string }).resourcesPath;
  if (resources && existsSync(path.join(resources, 'native', 'labforge_trainer')))
    return path.join(resources, 'native');
  throw new AppError(
    'ENV_SETUP_FAILED',
    'The trainer package (native/labforge_trainer) is missing from this installation.',
    {
      hint: 'Reinstall LabForge, or set LABFORGE_NATIVE_DIR to the folder that contains labforge_trainer.',
    },
  );
}

/** The interpreter inside a virtual environment folder. */
export const venvPython = (venv: string): string =>
  process.platform === 'win32' ? path.join(venv, 'Scripts', 'python.exe') : path.join(venv, 'bin', 'python');

/**
 * The interpreter that runs the trainer: an explicit one, LABFORGE_PYTHON, LabForge's own
 * environment under the data dir, or the development venv in native/.venv.
 */
export function findTrainerPython(opts: {
  explicit?: string;
  dataDir: string;
  nativeDir: string;
  env?: NodeJS.ProcessEnv;
}): string {
  const env = opts.env ?? process.env;
  const candidates = [
    opts.explicit,
    env.LABFORGE_PYTHON,
    venvPython(path.join(opts.dataDir, 'python')),
    venvPython(path.join(opts.nativeDir, '.venv')),
  ].filter((c): c is string => Boolean(c));
  for (const c of candidates) if (existsSync(c)) return c;
  if (opts.explicit) {
    throw new AppError('PYTHON_MISSING', `The Python interpreter ${opts.explicit} does not exist.`, {
      details: { path: opts.explicit },
    });
  }
  throw new AppError('PYTHON_MISSING', 'The training environment is not set up yet.', {
    hint: 'Set it up from the Runs page ("Set up Python"), run `npm run setup:python` in a checkout, or name an interpreter with --python.',
  });
}
