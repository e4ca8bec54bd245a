import git from 'isomorphic-git';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppError } from '../../shared/errors.js';

/** What the exporter needs from llama.cpp's source: the HF → GGUF converter and its Python packages. */
const NEEDED = ['convert_hf_to_gguf.py', 'convert_lora_to_gguf.py', 'conversion', 'gguf-py'];

export function llamaCppBundlePath(): string {
  // The package's exports hide package.json: walk up from its entry point to the package root.
  let dir = path.dirname(fileURLToPath(import.meta.resolve('node-llama-cpp')));
  while (!existsSync(path.join(dir, 'llama', 'gitRelease.bundle'))) {
    const parent = path.dirname(dir);
    if (parent === dir) return path.join('node_modules', 'node-llama-cpp', 'llama', 'gitRelease.bundle');
    dir = parent;
  }
  return path.join(dir, 'llama', 'gitRelease.bundle');
}

/** The commit a git bundle (v2 or v3) points HEAD at, read from its header. */
export function bundleHead(header: string): string | null {
  for (const line of header.split('\n')) {
    const m = /^([0-9a-f]{40}) (\S+)$/.exec(line.trim());
    if (m) return m[1]!;
  }
  return null;
}

/** Extractions in progress, so two exports started together share one (they would share its `.part` folder). */
const extracting = new Map<string, Promise<{ dir: string; commit: string }>>();

/**
 * Extracts the converter from node-llama-cpp's bundled llama.cpp source (the same commit as its
 * binaries), once, into `<toolsDir>/llama.cpp-<commit>`. Pure JS (isomorphic-git), no git CLI.
 */
export function ensureLlamaCppSource(
  toolsDir: string,
  bundle = llamaCppBundlePath(),
): Promise<{ dir: string; commit: string }> {
  const key = `${path.resolve(toolsDir)}\0${bundle}`;
  let p = extracting.get(key);
  if (!p) {
    p = extract(toolsDir, bundle).finally(() => extracting.delete(key));
    extracting.set(key, p);
  }
  return p;
}

async function extract(toolsDir: string, bundle: string): Promise<{ dir: string; commit: string }> {
  let data: Buffer;
  try {
    data = await fs.readFile(bundle);
  } catch {
    throw new AppError('ENV_SETUP_FAILED', `llama.cpp's source bundle is missing (${bundle}).`, {
      hint: 'Reinstall LabForge (node-llama-cpp is incomplete).',
    });
  }
  const split = data.indexOf(Buffer.from('\n\nPACK'));
  if (split < 0) throw new AppError('ENV_SETUP_FAILED', `${bundle} is not a git bundle.`);
  const commit = bundleHead(data.subarray(0, split).toString('utf8'));
  if (!commit) throw new AppError('ENV_SETUP_FAILED', `${bundle} has no HEAD in its header.`);
  const dir = path.join(toolsDir, `llama.cpp-${commit.slice(0, 12)}`);
  if (existsSync(path.join(dir, '.complete'))) return { dir, commit };

  const part = `${dir}.part-${process.pid}`;
  await fs.rm(part, { recursive: true, force: true });
  await fs.mkdir(path.join(part, '.git'), { recursive: true });
  await git.init({ fs, dir: part });
  const packFile = path.join('.git', 'objects', 'pack', 'pack-bundle.pack');
  await fs.mkdir(path.join(part, '.git', 'objects', 'pack'), { recursive: true });
  await fs.writeFile(path.join(part, packFile), data.subarray(split + 2));
  await git.indexPack({ fs, dir: part, filepath: packFile });
  await git.writeRef({ fs, dir: part, ref: 'refs/heads/main', value: commit, force: true });
  await git.checkout({ fs, dir: part, ref: 'main', filepaths: NEEDED, force: true });
  await fs.rm(path.join(part, '.git'), { recursive: true, force: true });
  await fs.writeFile(path.join(part, '.complete'), commit);
  await fs.rm(dir, { recursive: true, force: true });
  await fs.rename(part, dir);
  return { dir, commit };
}
