import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { catalogSchema, type Catalog } from '../../shared/contract/index.js';
import { AppError } from '../../shared/errors.js';

/** `resources/catalog.yaml` in the checkout or the packaged app (LABFORGE_CATALOG overrides). */
export function catalogPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.LABFORGE_CATALOG) return path.resolve(env.LABFORGE_CATALOG);
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, 'resources', 'catalog.yaml');
    if (existsSync(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  const resources = (process as { resourcesPath?: string }).resourcesPath;
  return path.join(resources ?? '.', 'resources', 'catalog.yaml');
}

/** Reads and validates the catalog; INVALID_REQUEST names the entry and field that is wrong. */
export async function loadCatalog(file = catalogPath()): Promise<Catalog> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new AppError('NOT_FOUND', `The model catalog ${file} is missing`, { cause: err, details: { path: file } });
  }
  const r = catalogSchema.safeParse(parse(text));
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new AppError('VALIDATION_FAILED', `${path.basename(file)}: ${i.path.join('.')}: ${i.message}`, {
      details: { path: file, issues: r.error.issues.slice(0, 10) },
    });
  }
  return r.data;
}

/** A catalog entry as the fit estimator needs it (`hardware.fit` with a catalog id); null when unknown. */
export async function catalogEntryForFit(
  id: string,
): Promise<{ id: string; name: string; parameters: number; contextLength: number; ggufBytes?: number } | null> {
  const e = (await loadCatalog()).models.find((m) => m.id === id);
  if (!e) return null;
  const gguf = e.sources.find((s) => s.kind === 'gguf');
  return {
    id: e.id,
    name: e.name,
    parameters: e.parameters,
    contextLength: e.contextLength,
    ggufBytes: gguf?.sizeBytes,
  };
}
