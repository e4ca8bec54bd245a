import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { cacheDir } from './tiny-gguf.js';

const run = promisify(execFile);
const REQUIREMENTS = path.resolve('test/helpers/python-openai-requirements.txt');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A Python with the official `openai` client (pinned with its dependencies, installed --no-deps
 * from PyPI) in a venv cached under $LABFORGE_CACHE and keyed by the pins, built in place under a
 * lock directory and marked complete at the end. Throws with pip's output when the install fails.
 */
export async function openaiPython(): Promise<string> {
  const pins = readFileSync(REQUIREMENTS, 'utf8');
  const key = createHash('sha256').update(pins).digest('hex').slice(0, 12);
  const dir = path.join(cacheDir(), `py-openai-${key}`);
  const py = path.join(dir, 'bin', 'python');
  const done = path.join(dir, '.complete');
  const lock = `${dir}.lock`;
  mkdirSync(cacheDir(), { recursive: true });
  for (let waited = 0; !existsSync(done); waited += 500) {
    try {
      mkdirSync(lock);
    } catch {
      if (Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now()) > 600_000)
        rmSync(lock, { recursive: true, force: true });
      if (waited > 300_000) throw new Error(`timed out waiting for ${lock}`);
      await sleep(500);
      continue;
    }
    try {
      if (existsSync(done)) break;
      rmSync(dir, { recursive: true, force: true });
      await run('python3', ['-m', 'venv', dir], { timeout: 120_000 });
      await run(
        py,
        ['-m', 'pip', 'install', '-q', '--no-deps', '--disable-pip-version-check', '--no-input', '-r', REQUIREMENTS],
        { timeout: 240_000 },
      );
      await run(py, ['-c', 'import openai'], { timeout: 60_000 });
      writeFileSync(done, pins);
    } catch (err) {
      rmSync(dir, { recursive: true, force: true });
      const e = err as { stderr?: string; message: string };
      throw new Error(
        `could not install the openai Python client from PyPI: ${(e.stderr || e.message).trim().slice(-800)}`,
        {
          cause: err,
        },
      );
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
  return py;
}
