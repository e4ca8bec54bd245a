import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  modelLineageSchema,
  type GgufSummary,
  type ModelFormat,
  type ModelInfo,
  type ModelLineage,
  type ModelRole,
  type ModelSource,
} from '../../shared/contract/index.js';
import { AppError } from '../../shared/errors.js';
import type { EventBus } from '../rpc/event-bus.js';
import type { Db } from '../store/database.js';
import { mkdirs } from '../util/fs.js';
import { inspectGguf } from './gguf-file.js';
import { inspectHfFolder } from './hf-folder.js';

interface ModelRow {
  id: string;
  name: string;
  format: ModelFormat;
  path: string;
  size_bytes: number;
  sha256: string | null;
  lineage: string;
  metadata: string | null;
  created_at: number;
}

/** What a producer of models (the exporter, an import, a download) tells the library. */
export interface RegisterModel {
  name: string;
  format: ModelFormat;
  /** Absolute path of the .gguf file or the safetensors folder. */
  path: string;
  /** Measured from the file when omitted (folders: the sum of their files is not computed, 0). */
  sizeBytes?: number;
  sha256?: string | null;
  lineage?: Partial<ModelLineage>;
  gguf?: GgufSummary | null;
  /** The hub repo a download came from. */
  source?: ModelSource | null;
  roles?: ModelRole[];
}

/** The `metadata` column: the header summary, and (since downloads) the hub source and roles. */
interface StoredMetadata {
  v: 2;
  summary: GgufSummary | null;
  source: ModelSource | null;
  roles: ModelRole[];
}

const readMetadata = (json: string | null): StoredMetadata => {
  const m = json ? (JSON.parse(json) as Partial<StoredMetadata> & Partial<GgufSummary>) : null;
  if (!m) return { v: 2, summary: null, source: null, roles: [] };
  if (m.v === 2) return { v: 2, summary: m.summary ?? null, source: m.source ?? null, roles: m.roles ?? [] };
  return { v: 2, summary: m as GgufSummary, source: null, roles: [] }; // rows written before v2 hold the summary itself
};

const toInfo = (r: ModelRow): ModelInfo => {
  const meta = readMetadata(r.metadata);
  return {
    id: r.id,
    name: r.name,
    format: r.format,
    path: r.path,
    sizeBytes: r.size_bytes,
    sha256: r.sha256,
    lineage: modelLineageSchema.parse(JSON.parse(r.lineage)),
    gguf: meta.summary,
    source: meta.source,
    roles: meta.roles,
    createdAt: r.created_at,
  };
};

/** The models LabForge knows: trained and exported ones, and GGUF files the user imported. */
export class ModelLibrary {
  constructor(
    private readonly db: Db,
    private readonly bus: EventBus,
    private readonly modelsDir: string,
  ) {}

  /**
   * Records a model that already exists on disk and returns its entry. The exporter calls this
   * after writing a GGUF: `library.register({ name, format: 'gguf', path, lineage: { base, run, taxonomyCommit } })`.
   * It does not validate the file (use `importGguf` for files from outside).
   */
  async register(m: RegisterModel): Promise<ModelInfo> {
    const abs = path.resolve(m.path);
    let sizeBytes = m.sizeBytes;
    if (sizeBytes === undefined) {
      const st = await stat(abs);
      sizeBytes = st.isFile() ? st.size : 0;
    }
    const row: ModelRow = {
      id: randomUUID(),
      name: m.name,
      format: m.format,
      path: abs,
      size_bytes: sizeBytes,
      sha256: m.sha256 ?? null,
      lineage: JSON.stringify(modelLineageSchema.parse(m.lineage ?? {})),
      metadata: JSON.stringify({
        v: 2,
        summary: m.gguf ?? null,
        source: m.source ?? null,
        roles: m.roles ?? [],
      } satisfies StoredMetadata),
      created_at: Date.now(),
    };
    this.db
      .prepare(
        `INSERT INTO models (id, name, format, path, size_bytes, sha256, lineage, metadata, created_at)
         VALUES (@id, @name, @format, @path, @size_bytes, @sha256, @lineage, @metadata, @created_at)`,
      )
      .run(row);
    const info = toInfo(row);
    this.bus.emit('models.changed', { id: info.id, model: info });
    return info;
  }

  list(filter: { format?: ModelFormat } = {}): ModelInfo[] {
    const rows = filter.format
      ? this.db.prepare('SELECT * FROM models WHERE format = ? ORDER BY created_at DESC').all(filter.format)
      : this.db.prepare('SELECT * FROM models ORDER BY created_at DESC').all();
    return (rows as ModelRow[]).map(toInfo);
  }

  /** By id; MODEL_NOT_FOUND otherwise. */
  get(id: string): ModelInfo {
    const found = this.find(id);
    if (!found) throw new AppError('MODEL_NOT_FOUND', `No model with id ${id} in the library`, { details: { id } });
    return found;
  }

  /** By id, or by name (the newest of that name). */
  find(idOrName: string): ModelInfo | null {
    const row = (this.db.prepare('SELECT * FROM models WHERE id = ?').get(idOrName) ??
      this.db.prepare('SELECT * FROM models WHERE name = ? ORDER BY created_at DESC LIMIT 1').get(idOrName)) as
      ModelRow | undefined;
    return row ? toInfo(row) : null;
  }

  /** Imports a GGUF file or a Hugging Face folder, whichever `p.path` is. */
  async importPath(p: { path: string; name?: string; copy?: boolean }, signal?: AbortSignal): Promise<ModelInfo> {
    const src = path.resolve(p.path);
    const st = await stat(src).catch(() => null);
    if (!st) throw new AppError('MODEL_NOT_FOUND', `Nothing at ${src}`, { details: { path: src } });
    if (!st.isDirectory()) return this.importGguf(p, signal);
    const { sizeBytes, summary } = await inspectHfFolder(src);
    return this.register({
      name: p.name ?? path.basename(src),
      format: 'safetensors',
      path: src,
      sizeBytes,
      gguf: summary,
    });
  }

  /**
   * Validates a local GGUF file by its header and adds it. With `copy`, the file is copied under
   * the data folder (`.part`, then renamed) and its sha256 recorded on the way.
   */
  async importGguf(p: { path: string; name?: string; copy?: boolean }, signal?: AbortSignal): Promise<ModelInfo> {
    const src = path.resolve(p.path);
    const { sizeBytes, summary } = await inspectGguf(src);
    const name = p.name ?? path.basename(src).replace(/\.gguf$/i, '');
    if (!p.copy) return this.register({ name, format: 'gguf', path: src, sizeBytes, gguf: summary });
    await mkdirs(this.modelsDir);
    const dest = path.join(this.modelsDir, `${name.replace(/[^\w.-]+/g, '_')}-${randomUUID().slice(0, 8)}.gguf`);
    const part = `${dest}.part`;
    const hash = createHash('sha256');
    try {
      await pipeline(
        createReadStream(src),
        new Transform({
          transform(chunk: Buffer, _enc, cb) {
            hash.update(chunk);
            cb(null, chunk);
          },
        }),
        createWriteStream(part),
        { signal },
      );
      await rename(part, dest);
    } catch (err) {
      await rm(part, { force: true });
      throw err;
    }
    return this.register({ name, format: 'gguf', path: dest, sizeBytes, sha256: hash.digest('hex'), gguf: summary });
  }

  /** Forgets a model; with `deleteFile`, also deletes it when it lives under the data folder's models/. */
  async remove(id: string, opts: { deleteFile?: boolean } = {}): Promise<void> {
    const m = this.get(id);
    this.db.prepare('DELETE FROM models WHERE id = ?').run(id);
    const inside = path.relative(this.modelsDir, m.path);
    if (opts.deleteFile && !inside.startsWith('..') && !path.isAbsolute(inside))
      await rm(m.path, { recursive: true, force: true });
    this.bus.emit('models.changed', { id, model: null });
  }
}
