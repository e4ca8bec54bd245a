import { open, readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { GgufSummary } from '../../shared/contract/index.js';
import { AppError } from '../../shared/errors.js';

const invalid = (dir: string, why: string, details: Record<string, unknown> = {}): AppError =>
  new AppError('MODEL_INVALID', `${path.basename(dir)} is not a usable Hugging Face model folder: ${why}`, {
    hint: 'A model folder has config.json, a tokenizer (tokenizer.json or tokenizer.model) and *.safetensors weights.',
    details: { path: dir, ...details },
  });

const PICKLES = /\.(bin|pt|pth|ckpt|pkl)$/i;

/**
 * Reads a safetensors header (8-byte little-endian length, then JSON) and checks that every
 * tensor's data lies inside the file. Returns the number of elements.
 */
export async function checkSafetensors(file: string): Promise<number> {
  const fh = await open(file, 'r');
  try {
    const { size } = await fh.stat();
    const head = Buffer.alloc(8);
    if (size < 8 || (await fh.read(head, 0, 8, 0)).bytesRead < 8)
      throw new Error('the file is shorter than its header');
    const n = Number(head.readBigUInt64LE(0));
    if (n <= 1 || n > 100 << 20 || 8 + n > size) throw new Error(`the header length ${n} does not fit the file`);
    const buf = Buffer.alloc(n);
    await fh.read(buf, 0, n, 8);
    let header: Record<string, { shape?: number[]; data_offsets?: [number, number] }>;
    try {
      header = JSON.parse(buf.toString('utf8')) as typeof header;
    } catch {
      throw new Error('the header is not JSON');
    }
    let elements = 0;
    for (const [name, t] of Object.entries(header)) {
      if (name === '__metadata__') continue;
      const end = t.data_offsets?.[1];
      if (typeof end !== 'number') throw new Error(`tensor ${name} has no data_offsets`);
      if (8 + n + end > size) throw new Error(`the file is truncated (tensor ${name} ends past the end of the file)`);
      elements += (t.shape ?? []).reduce((a, d) => a * d, 1);
    }
    return elements;
  } finally {
    await fh.close();
  }
}

const readJson = async (file: string): Promise<Record<string, unknown> | null> => {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw invalid(path.dirname(file), `${path.basename(file)} is not valid JSON`);
  }
};

/** Checks a Hugging Face model folder and summarises it like a GGUF header. */
export async function inspectHfFolder(dir: string): Promise<{ sizeBytes: number; summary: GgufSummary }> {
  const names = await readdir(dir).catch(() => {
    throw new AppError('MODEL_NOT_FOUND', `No folder at ${dir}`, { details: { path: dir } });
  });
  const config = await readJson(path.join(dir, 'config.json'));
  if (!config) throw invalid(dir, 'config.json is missing');
  const weights = names.filter((n) => n.endsWith('.safetensors')).sort();
  if (weights.length === 0) {
    const pickles = names.filter((n) => PICKLES.test(n));
    if (pickles.length > 0)
      throw invalid(
        dir,
        `its weights are PyTorch pickles (${pickles.join(', ')}), which can run code when loaded; LabForge loads safetensors only`,
        {
          pickles,
        },
      );
    throw invalid(dir, 'it has no *.safetensors weights');
  }
  const index = await readJson(path.join(dir, 'model.safetensors.index.json'));
  const shards = new Set(Object.values((index?.weight_map ?? {}) as Record<string, string>));
  const missing = [...shards].filter((s) => !names.includes(s));
  if (missing.length > 0)
    throw invalid(dir, `shards listed in model.safetensors.index.json are missing: ${missing.join(', ')}`);
  const hasTokenizer =
    names.includes('tokenizer.json') ||
    names.includes('tokenizer.model') ||
    (names.includes('vocab.json') && names.includes('merges.txt'));
  if (!hasTokenizer) throw invalid(dir, 'it has no tokenizer (tokenizer.json or tokenizer.model)');
  let parameters = 0;
  let sizeBytes = 0;
  for (const w of weights) {
    try {
      parameters += await checkSafetensors(path.join(dir, w));
    } catch (err) {
      throw invalid(dir, `${w}: ${(err as Error).message}`, { file: w });
    }
  }
  for (const n of names) sizeBytes += (await stat(path.join(dir, n)).catch(() => null))?.size ?? 0;
  const tokCfg = await readJson(path.join(dir, 'tokenizer_config.json'));
  const template = typeof tokCfg?.chat_template === 'string' ? tokCfg.chat_template : null;
  const arch = Array.isArray(config.architectures) ? String(config.architectures[0]) : null;
  const ctx = config.max_position_embeddings;
  const dtype = config.torch_dtype;
  return {
    sizeBytes,
    summary: {
      architecture: typeof config.model_type === 'string' ? config.model_type : arch,
      contextLength: typeof ctx === 'number' ? ctx : null,
      fileType: typeof dtype === 'string' ? dtype : null,
      hasChatTemplate: template !== null,
      parameterCount: parameters,
      chatTemplate: template ? template.slice(0, 8192) : null,
    },
  };
}
