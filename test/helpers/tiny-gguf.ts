import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const SCRIPT = path.resolve('test/fixtures/make_tiny_gguf.py');
const BUNDLE = path.resolve('node_modules/node-llama-cpp/llama/gitRelease.bundle');

export const cacheDir = (): string => process.env.LABFORGE_CACHE ?? path.join(os.homedir(), '.cache', 'labforge-test');

/** node-llama-cpp's bundled llama.cpp source, cloned once (atomically: test files run in parallel). */
function llamaCppSource(): string {
  const dir = path.join(cacheDir(), 'llama.cpp');
  if (existsSync(path.join(dir, 'gguf-py', 'gguf', '__init__.py'))) return dir;
  mkdirSync(cacheDir(), { recursive: true });
  const tmp = `${dir}.${process.pid}.part`;
  rmSync(tmp, { recursive: true, force: true });
  execFileSync('git', ['clone', '-q', BUNDLE, tmp], { stdio: 'ignore' });
  try {
    renameSync(tmp, dir);
  } catch {
    rmSync(tmp, { recursive: true, force: true }); // another process won the race
  }
  return dir;
}

/** A Python with numpy: $LABFORGE_PYTHON, the trainer's venv, or the system one. */
function python(): string {
  const candidates = [
    process.env.LABFORGE_PYTHON,
    path.resolve('native/.venv/bin/python'),
    'python3',
    '/usr/bin/python3',
  ];
  for (const c of candidates) {
    if (!c) continue;
    try {
      execFileSync(c, ['-c', 'import numpy'], { stdio: 'ignore' });
      return c;
    } catch {
      // next
    }
  }
  throw new Error('No Python with numpy found for the tiny GGUF fixture (set LABFORGE_PYTHON)');
}

export interface TinyGgufOptions {
  seed?: number;
  ctx?: number;
  layers?: number;
  embd?: number;
  name?: string;
  /** Feed-forward width and heads (the script's defaults when absent: 128, 4). */
  ff?: number;
  heads?: number;
  /** `<arch>.pooling_type` (absent: none, the last token's state); `rank` makes it a reranker that cannot embed. */
  pooling?: 'none' | 'mean' | 'cls' | 'last' | 'rank';
  /** Weight matrices in f16 (benchmarks of a bigger model); default f32. */
  dtype?: 'f32' | 'f16';
}

/**
 * A tiny random Llama GGUF with a ChatML template (about 0.5 MB), built by
 * test/fixtures/make_tiny_gguf.py and cached by the script's hash and the options.
 */
export async function tinyGguf(opts: TinyGgufOptions = {}): Promise<string> {
  const args = [
    '--seed',
    String(opts.seed ?? 0),
    '--ctx',
    String(opts.ctx ?? 512),
    '--layers',
    String(opts.layers ?? 2),
    '--embd',
    String(opts.embd ?? 64),
    '--name',
    opts.name ?? 'tiny-chat',
    // Only when set, so the cache keys of existing callers stay as they were.
    ...(opts.ff === undefined ? [] : ['--ff', String(opts.ff)]),
    ...(opts.heads === undefined ? [] : ['--heads', String(opts.heads)]),
    ...(opts.dtype === undefined ? [] : ['--dtype', opts.dtype]),
    ...(opts.pooling === undefined ? [] : ['--pooling', opts.pooling]),
  ];
  const key = createHash('sha256').update(readFileSync(SCRIPT)).update(args.join(' ')).digest('hex').slice(0, 16);
  const out = path.join(cacheDir(), `tiny-chat-${key}.gguf`);
  if (existsSync(out)) return out;
  const src = llamaCppSource();
  const part = `${out}.${process.pid}`;
  await run(python(), [SCRIPT, '--out', part, ...args], {
    env: { ...process.env, PYTHONPATH: path.join(src, 'gguf-py') },
    timeout: 120_000,
  });
  renameSync(part, out);
  return out;
}
