import type { GbnfJsonSchema, Llama, LlamaGrammar } from 'node-llama-cpp';
import { AppError } from '../../shared/errors.js';

/**
 * OpenAI's `response_format` as the model host sees it: any JSON object (`json_object`, llama.cpp's
 * JSON grammar) or JSON matching a schema (`json_schema`, node-llama-cpp's schema grammar), as
 * llama.cpp's server, vLLM, Ollama and LM Studio do it.
 */
export type ResponseFormat = { type: 'json_object' } | { type: 'json_schema'; schema: Record<string, unknown> };

const cache = new WeakMap<Llama, Map<string, Promise<LlamaGrammar>>>();

/** One grammar per format and Llama (they are reused across requests). */
export function grammarForFormat(llama: Llama, format: ResponseFormat): Promise<LlamaGrammar> {
  let byKey = cache.get(llama);
  if (!byKey) cache.set(llama, (byKey = new Map()));
  const key = format.type === 'json_object' ? 'json' : JSON.stringify(format.schema);
  const hit = byKey.get(key);
  if (hit) return hit;
  const made = (
    format.type === 'json_object'
      ? llama.getGrammarFor('json')
      : // node-llama-cpp checks the schema itself and refuses what it cannot express (a 400 below).
        llama.createGrammarForJsonSchema<GbnfJsonSchema, Record<string, GbnfJsonSchema>>(
          format.schema as GbnfJsonSchema,
        )
  ).catch((err: unknown) => {
    byKey.delete(key);
    throw new AppError(
      'INVALID_REQUEST',
      `response_format: this JSON schema cannot be turned into a grammar: ${err instanceof Error ? err.message : String(err)}`,
      { details: { schema: format.type === 'json_schema' ? format.schema : null } },
    );
  });
  byKey.set(key, made);
  return made;
}
