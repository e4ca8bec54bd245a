import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const NATIVE_DIR = path.resolve('native');
export const TRAINER_PYTHON = process.env.LABFORGE_PYTHON ?? path.join(NATIVE_DIR, '.venv', 'bin', 'python');

/**
 * True when the trainer's venv exists (`npm run setup:python`); model tests need it. In CI it is
 * always true, so a missing environment fails the model tests instead of skipping them.
 */
export const hasTrainerEnv = (): boolean => process.env.CI === 'true' || existsSync(TRAINER_PYTHON);

const env = (): NodeJS.ProcessEnv => ({
  ...process.env,
  PYTHONPATH: NATIVE_DIR,
  HF_HUB_OFFLINE: '1',
  TRANSFORMERS_OFFLINE: '1',
});

/** The tiny Llama model from the kit (built once, cached by content hash), copied to `outDir`. */
export async function tinyModel(outDir: string, opts: { seed?: number } = {}): Promise<string> {
  await run(TRAINER_PYTHON, ['-m', 'labforge_trainer.tiny', '--out', outDir, '--seed', String(opts.seed ?? 0)], {
    env: env(),
    timeout: 180_000,
  });
  return outDir;
}

/** The tiny knowledge_train_msgs_*.jsonl and skills_train_msgs_*.jsonl datasets, in `outDir`. */
export async function tinyData(outDir: string): Promise<string> {
  await run(TRAINER_PYTHON, ['-m', 'labforge_trainer.tiny_data', '--out', outDir], { env: env(), timeout: 60_000 });
  return outDir;
}
