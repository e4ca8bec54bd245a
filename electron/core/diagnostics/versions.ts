import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runTool } from '../hardware/run-tool.js';

export interface VersionSources {
  appVersion: string;
  databaseVersion: number;
  /** The trainer's interpreter, when one is set up; null leaves its versions out. */
  trainerPython: () => string | null;
}

/** How long the trainer's interpreter may take to name its packages (it does not import them). */
const PYTHON_DEADLINE_MS = 5000;

// importlib.metadata reads the installed packages' metadata without importing torch (seconds, GPU init).
const PYTHON_VERSIONS = `
import json, sys
from importlib import metadata
def v(name):
    try:
        return metadata.version(name)
    except Exception:
        return None
print(json.dumps({"python": sys.version.split()[0], "torch": v("torch"), "transformers": v("transformers"), "peft": v("peft")}))
`;

/** node-llama-cpp's version: its exports hide package.json, so walk up from its entry point. */
function nodeLlamaCppVersion(): string | null {
  try {
    let dir = path.dirname(fileURLToPath(import.meta.resolve('node-llama-cpp')));
    for (;;) {
      const file = path.join(dir, 'package.json');
      if (existsSync(file)) {
        const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
        if (pkg.name === 'node-llama-cpp') return pkg.version ?? null;
      }
      const parent = path.dirname(dir);
      if (parent === dir) return null;
      dir = parent;
    }
  } catch {
    return null;
  }
}

async function trainerVersions(python: string | null): Promise<Record<string, string | null> | null> {
  if (!python) return null;
  const r = await runTool(python, ['-c', PYTHON_VERSIONS], { timeoutMs: PYTHON_DEADLINE_MS });
  if (r.outcome !== 'ok') return null;
  try {
    const v = JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as Record<string, string | null>;
    return { interpreter: python, ...v };
  } catch {
    return null;
  }
}

/** Versions of what LabForge runs on; what cannot be found quickly is left out. */
export async function collectVersions(src: VersionSources): Promise<Record<string, unknown>> {
  const versions: Record<string, unknown> = {
    labforge: src.appVersion,
    databaseSchema: src.databaseVersion,
    node: process.versions.node,
    platform: process.platform,
    arch: process.arch,
    os: `${os.type()} ${os.release()}`,
    cpus: os.cpus().length,
    memoryBytes: os.totalmem(),
  };
  if (process.versions.electron) versions.electron = process.versions.electron;
  if (process.versions.chrome) versions.chrome = process.versions.chrome;
  const llama = nodeLlamaCppVersion();
  if (llama) versions.nodeLlamaCpp = llama;
  let python: string | null;
  try {
    python = src.trainerPython();
  } catch {
    python = null;
  }
  const trainer = await trainerVersions(python);
  if (trainer) versions.trainer = trainer;
  return versions;
}
