import {
  LlamaChat,
  LlamaJsonSchemaValidationError,
  type ChatHistoryItem,
  type ChatWrapper,
  type GbnfJsonSchema,
  type Llama,
  type LlamaGrammar,
  type LlamaModel,
} from 'node-llama-cpp';
import type { ChatTurn, Sampling } from '../../shared/contract/index.js';
import { AppError } from '../../shared/errors.js';
import { toHistory } from './generation.js';
import type { SequencePool } from './sequence-pool.js';

/**
 * Batched, schema-constrained generation in the model host (local teachers and judges): `n`
 * answers to one prompt, each on its own sequence of the loaded context so they decode together,
 * each constrained by a grammar made from the JSON schema so it always is JSON. Concurrent
 * requests share the same sequences (the pool), so a teacher that sends 8 prompts at once keeps
 * 8 sequences busy.
 */

export interface StructuredRequest {
  messages: ChatTurn[];
  /** null: free text (no grammar). */
  jsonSchema: Record<string, unknown> | null;
  sampling: Sampling;
  /** Answers wanted (default 1); each one takes a sequence. */
  n?: number;
  /** Extra tries for an answer the grammar let through but the schema refuses (node-llama-cpp quirks). Default 2. */
  retries?: number;
}

export interface StructuredAnswer {
  text: string;
  /** The parsed and schema-checked value; null when the text is not valid for the schema (see `error`). */
  value: unknown;
  error: string | null;
  stopReason: 'eos' | 'maxTokens' | 'stopped';
  /** Generations this answer took (1 + retries used). */
  tries: number;
}

export interface StructuredResult {
  answers: StructuredAnswer[];
  promptTokens: number;
  completionTokens: number;
  /** Wall time of the whole batch, load excluded. */
  genMs: number;
  loadMs: number;
}

/** What the runtime lends for one structured request. */
export interface StructuredTarget {
  llama: Llama;
  model: LlamaModel;
  wrapper: ChatWrapper;
  pool: SequencePool;
  contextSize: number;
}

/** A grammar and its parser (JSON.parse plus node-llama-cpp's own schema check). */
interface SchemaGrammar {
  grammar: LlamaGrammar;
  parse(text: string): unknown;
}

const grammars = new WeakMap<Llama, Map<string, Promise<SchemaGrammar>>>();

/** One grammar per schema and Llama (making one takes a few ms; a run asks thousands of times). */
function grammarFor(llama: Llama, schema: Record<string, unknown>): Promise<SchemaGrammar> {
  let cache = grammars.get(llama);
  if (!cache) grammars.set(llama, (cache = new Map()));
  const key = JSON.stringify(schema);
  const hit = cache.get(key);
  if (hit) return hit;
  // The caller's JSON Schema is checked by node-llama-cpp itself, which rejects what it cannot express.
  const gbnf: GbnfJsonSchema = schema as GbnfJsonSchema;
  const made = llama
    .createGrammarForJsonSchema<GbnfJsonSchema, Record<string, GbnfJsonSchema>>(gbnf)
    .then((g): SchemaGrammar => ({ grammar: g, parse: (text) => g.parse(text) }))
    .catch((err: unknown) => {
      cache.delete(key);
      throw new AppError(
        'INVALID_REQUEST',
        `This JSON schema cannot be turned into a grammar: ${err instanceof Error ? err.message : String(err)}`,
        { details: { schema } },
      );
    });
  cache.set(key, made);
  return made;
}

export async function generateStructured(
  target: StructuredTarget,
  req: StructuredRequest,
  signal: AbortSignal,
  loadMs = 0,
): Promise<StructuredResult> {
  const history = toHistory(req.messages);
  const { contextText } = target.wrapper.generateContextState({ chatHistory: history });
  const promptTokens = contextText.tokenize(target.model.tokenizer).length;
  if (promptTokens >= target.contextSize)
    throw new AppError(
      'PROMPT_TOO_LONG',
      `The prompt is ${promptTokens} tokens, but the model's context holds ${target.contextSize}.`,
      { details: { tokens: promptTokens, contextSize: target.contextSize } },
    );
  const grammar = req.jsonSchema ? await grammarFor(target.llama, req.jsonSchema) : null;
  const n = Math.max(1, req.n ?? 1);
  const t0 = performance.now();
  let completionTokens = 0;
  const answers = await Promise.all(
    Array.from({ length: n }, async (_, i): Promise<StructuredAnswer> => {
      const retries = grammar ? (req.retries ?? 2) : 0;
      let last: StructuredAnswer | null = null;
      for (let attempt = 0; attempt <= retries; attempt++) {
        // Different seeds per answer (and per retry), so `n` answers are `n` samples.
        const seed = req.sampling.seed === undefined ? undefined : req.sampling.seed + i + attempt * n;
        const { text, stopReason, tokens } = await generateOne(
          target,
          history,
          grammar,
          { ...req.sampling, seed },
          signal,
        );
        completionTokens += tokens;
        last = { ...check(grammar, text, stopReason), text, stopReason, tries: attempt + 1 };
        if (last.error === null || stopReason !== 'eos' || signal.aborted) break;
      }
      return last as StructuredAnswer;
    }),
  );
  if (signal.aborted) throw new AppError('CANCELLED', 'Cancelled');
  return { answers, promptTokens, completionTokens, genMs: Math.round(performance.now() - t0), loadMs };
}

function check(
  grammar: SchemaGrammar | null,
  text: string,
  stopReason: StructuredAnswer['stopReason'],
): { value: unknown; error: string | null } {
  if (!grammar) return { value: null, error: null };
  try {
    return { value: grammar.parse(text), error: null };
  } catch (err) {
    if (stopReason === 'maxTokens') return { value: null, error: 'cut off at the token limit' };
    if (err instanceof LlamaJsonSchemaValidationError)
      return { value: null, error: `does not match the schema (${err.message})` };
    return { value: null, error: `not JSON (${err instanceof Error ? err.message : String(err)})` };
  }
}

async function generateOne(
  target: StructuredTarget,
  history: ChatHistoryItem[],
  schemaGrammar: SchemaGrammar | null,
  s: Sampling,
  signal: AbortSignal,
): Promise<{ text: string; stopReason: StructuredAnswer['stopReason']; tokens: number }> {
  const { seq, release } = await target.pool.acquire(undefined, signal);
  let tokens = 0;
  const chat = new LlamaChat({ contextSequence: seq, chatWrapper: target.wrapper });
  try {
    const r = await chat.generateResponse(history, {
      ...(schemaGrammar ? { grammar: schemaGrammar.grammar } : {}),
      signal,
      stopOnAbortSignal: true,
      maxTokens: s.maxTokens ?? 1024,
      temperature: s.temperature ?? 0.7,
      topK: s.topK ?? 40,
      topP: s.topP ?? 0.95,
      seed: s.seed,
      repeatPenalty: s.repeatPenalty === undefined ? undefined : { penalty: s.repeatPenalty },
      onToken: (t) => {
        tokens += t.length;
      },
    });
    const reason = r.metadata.stopReason;
    return {
      text: r.response,
      stopReason: signal.aborted || reason === 'abort' ? 'stopped' : reason === 'maxTokens' ? 'maxTokens' : 'eos',
      tokens,
    };
  } finally {
    // The sequence keeps its tokens: the next answer to the same prompt reuses the evaluated prefix.
    chat.dispose({ disposeSequence: false });
    release();
  }
}
