import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** A safetensors file: 8-byte header length, JSON header, then the tensors' bytes (F32, zeros). */
export function safetensorsBytes(tensors: Record<string, number[]>, truncateBy = 0): Buffer {
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  let offset = 0;
  for (const [name, shape] of Object.entries(tensors)) {
    const bytes = shape.reduce((a, d) => a * d, 1) * 4;
    header[name] = { dtype: 'F32', shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  const json = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([len, json, Buffer.alloc(offset)]).subarray(0, 8 + json.length + offset - truncateBy);
}

/** The files of a minimal Hugging Face model repo (config, tokenizer, one safetensors shard). */
export function tinyHfFiles(): Record<string, Buffer> {
  return {
    'config.json': Buffer.from(
      JSON.stringify({
        architectures: ['LlamaForCausalLM'],
        model_type: 'llama',
        max_position_embeddings: 512,
        torch_dtype: 'float32',
      }),
    ),
    'tokenizer.json': Buffer.from(JSON.stringify({ version: '1.0', model: { type: 'BPE', vocab: {}, merges: [] } })),
    'tokenizer_config.json': Buffer.from(JSON.stringify({ chat_template: '{{ messages }}' })),
    'model.safetensors': safetensorsBytes({ 'embed.weight': [64, 32], 'lm_head.weight': [64, 32] }),
  };
}

export function writeFolder(dir: string, files: Record<string, Buffer>): string {
  mkdirSync(dir, { recursive: true });
  for (const [n, b] of Object.entries(files)) writeFileSync(path.join(dir, n), b);
  return dir;
}
