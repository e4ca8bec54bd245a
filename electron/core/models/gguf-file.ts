import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { GgufSummary } from '../../shared/contract/index.js';
import { AppError } from '../../shared/errors.js';

/** Bytes per block and elements per block of the common ggml tensor types (by type id). */
const GGML_BLOCKS: Record<number, [bytes: number, elements: number]> = {
  0: [4, 1], // F32
  1: [2, 1], // F16
  2: [18, 32], // Q4_0
  3: [20, 32], // Q4_1
  6: [22, 32], // Q5_0
  7: [24, 32], // Q5_1
  8: [34, 32], // Q8_0
  10: [84, 256], // Q2_K
  11: [110, 256], // Q3_K
  12: [144, 256], // Q4_K
  13: [176, 256], // Q5_K
  14: [210, 256], // Q6_K
  30: [2, 1], // BF16
};

const FILE_TYPES: Record<number, string> = {
  0: 'F32',
  1: 'F16',
  2: 'Q4_0',
  3: 'Q4_1',
  7: 'Q8_0',
  8: 'Q5_0',
  9: 'Q5_1',
  10: 'Q2_K',
  12: 'Q3_K_M',
  15: 'Q4_K_M',
  17: 'Q5_K_M',
  18: 'Q6_K',
  32: 'BF16',
};

const invalid = (file: string, why: string, cause?: unknown): AppError =>
  new AppError('MODEL_INVALID', `${path.basename(file)} is not a usable GGUF model: ${why}`, {
    hint: 'Pick a .gguf file (llama.cpp format), or re-export or re-download it.',
    details: { path: file },
    cause,
  });

/**
 * Reads a GGUF file's header (metadata and tensor table, never the weights) and checks that the
 * tensors it lists fit in the file, so a truncated download is caught before it is loaded.
 */
export async function inspectGguf(file: string): Promise<{ sizeBytes: number; summary: GgufSummary }> {
  let size: number;
  try {
    const st = await stat(file);
    if (!st.isFile()) throw invalid(file, 'it is a folder, not a file');
    size = st.size;
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw new AppError('MODEL_NOT_FOUND', `No model file at ${file}`, { details: { path: file }, cause: err });
  }
  const { readGgufFileInfo } = await import('node-llama-cpp');
  let info: Awaited<ReturnType<typeof readGgufFileInfo>>;
  try {
    info = await readGgufFileInfo(file, { readTensorInfo: true, logWarnings: false });
  } catch (err) {
    const msg = (err as Error).message;
    throw invalid(file, /magic/i.test(msg) ? 'the file does not start with the GGUF signature' : msg, err);
  }
  let parameters = 0;
  for (const t of info.fullTensorInfo ?? info.tensorInfo ?? []) {
    const block = GGML_BLOCKS[t.ggmlType];
    const elements = t.dimensions.reduce<number>((a, d) => a * Number(d), 1);
    parameters += elements;
    const end = Number(t.fileOffset) + (block ? Math.ceil(elements / block[1]) * block[0] : 1);
    if (end > size)
      throw invalid(file, `the file is truncated (tensor ${t.name} ends at byte ${end}, the file has ${size})`);
  }
  const meta = info.metadata as unknown as Record<string, Record<string, unknown> | undefined>;
  const general = meta.general ?? {};
  const arch = typeof general.architecture === 'string' ? general.architecture : null;
  const archMeta = arch ? meta[arch] : undefined;
  const ctx = archMeta?.context_length;
  const ft = general.file_type;
  const template = (meta.tokenizer as { chat_template?: unknown } | undefined)?.chat_template;
  const declared = general.parameter_count;
  return {
    sizeBytes: size,
    summary: {
      architecture: arch,
      contextLength: typeof ctx === 'number' ? ctx : null,
      fileType: typeof ft === 'number' ? (FILE_TYPES[ft] ?? `type ${ft}`) : null,
      hasChatTemplate: typeof template === 'string',
      parameterCount: typeof declared === 'number' || typeof declared === 'bigint' ? Number(declared) : parameters,
      chatTemplate: typeof template === 'string' ? template.slice(0, 8192) : null,
    },
  };
}
