import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { cacheDir } from './tiny-gguf.js';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface CachedVenvSpec {
  /** Folder name prefix under $LABFORGE_CACHE (the pins' hash is appended). */
  name: string;
  /** A pinned requirements file. */
  requirements: string;
  /** Extra `pip install` flags (`--no-deps` for a complete lock). */
  pipFlags?: string[];
  /** Python run once after the install to prove it imports. */
  check: string;
  /** What the error message calls it ("instructlab-schema", "the openai Python client"). */
  what: string;
}

/**
 * A Python with pinned packages from PyPI, in a venv cached under $LABFORGE_CACHE and keyed by the
 * pins. A venv's scripts hold its absolute path, so it is built in place under a lock directory
 * (test files run in parallel) and marked complete at the end. Throws with pip's output when the
 * install fails (offline).
 */
export async function cachedVenvPython(spec: CachedVenvSpec): Promise<string> {
  const pins = readFileSync(spec.requirements, 'utf8');
  const key = createHash('sha256').update(pins).digest('hex').slice(0, 12);
  const dir = path.join(cacheDir(), `${spec.name}-${key}`);
  const py = path.join(dir, 'bin', 'python');
  const done = path.join(dir, '.complete');
  const lock = `${dir}.lock`;
  mkdirSync(cacheDir(), { recursive: true });
  for (let waited = 0; !existsSync(done); waited += 500) {
    try {
      mkdirSync(lock);
    } catch {
      // A lock left by a killed run (older than the longest install) is stale.
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
        [
          '-m',
          'pip',
          'install',
          '-q',
          ...(spec.pipFlags ?? []),
          '--disable-pip-version-check',
          '--no-input',
          '-r',
          spec.requirements,
        ],
        { timeout: 240_000 },
      );
      await run(py, ['-c', spec.check], { timeout: 60_000 });
      writeFileSync(done, pins);
    } catch (err) {
      rmSync(dir, { recursive: true, force: true });
      const e = err as { stderr?: string; message: string };
      throw new Error(`could not install ${spec.what} from PyPI: ${(e.stderr || e.message).trim().slice(-800)}`, {
        cause: err,
      });
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
  return py;
}
