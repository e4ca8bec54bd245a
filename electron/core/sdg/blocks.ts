import { z } from 'zod';
import type { TeacherMessage } from '../teacher/teacher.js';
import type { Block, BlockOf, LlmBlock } from './flow-schema.js';
import type { ModelCalls } from './model-calls.js';
import { fold, mapLimit, render, type Row } from './template.js';

/** What one block did to one leaf's rows: how many came in, went out, and why the others were dropped. */
export interface StepCount {
  block: string;
  type: string;
  in: number;
  out: number;
  /** reason → rows (or replies) dropped for it */
  dropped: Record<string, number>;
}

export interface BlockContext {
  calls: ModelCalls;
  vars: Row;
  /** The leaf's seed rows for `cross_seeds` (knowledge: the first `pairs` Q&A of each seed). */
  seedRows: (pairs: number) => Row[];
  concurrency: number;
  signal: AbortSignal;
  /** `flow.yaml: block` for messages. */
  where: (block: string) => string;
  /** One model call finished (for progress). */
  onCall: () => void;
  /** Rows a generate block just made from one teacher reply (before any filter). */
  onRows?: (block: string, rows: Row[]) => void;
  /** Spellcheck copies, for the mixer's auxiliary samples. */
  aux: Array<{ raw: string; corrected: string }>;
}

export interface BlockOutcome {
  rows: Row[];
  dropped: Record<string, number>;
}

const bump = (d: Record<string, number>, reason: string, by = 1): void => {
  d[reason] = (d[reason] ?? 0) + by;
};

const countOf = (v: number | 'scale', vars: Row): number => (v === 'scale' ? Number(vars.scale) : v);

function messages(b: LlmBlock, row: Row, ctx: BlockContext): TeacherMessage[] {
  const where = ctx.where(b.name);
  const out: TeacherMessage[] = [];
  if (b.prompt.system) out.push({ role: 'system', content: render(b.prompt.system, row, ctx.vars, where) });
  out.push({ role: 'user', content: render(b.prompt.user, row, ctx.vars, where) });
  return out;
}

/**
 * The reply's JSON schema and its validator. The validator does not transform: the journal keeps
 * the validated value and checks it again on resume, so the same schema must accept it.
 */
function outputSchemas(b: BlockOf<'generate'>, numSamples: number) {
  const str = b.output.max_chars ? { type: 'string', maxLength: b.output.max_chars } : { type: 'string' };
  const props = Object.fromEntries(b.output.fields.map((f) => [f, str]));
  const item = { type: 'object', properties: props, required: b.output.fields, additionalProperties: false };
  const zItem = z.object(Object.fromEntries(b.output.fields.map((f) => [f, z.string()])));
  if (!b.output.list) return { json: item, zod: z.union([zItem, z.object({ items: z.array(zItem) })]) };
  return {
    json: {
      type: 'object',
      properties: { items: { type: 'array', items: item, minItems: 1, maxItems: numSamples } },
      required: ['items'],
      additionalProperties: false,
    },
    zod: z.union([zItem, z.object({ items: z.array(zItem) })]),
  };
}

const itemsOf = (v: Record<string, unknown>, max: number): Array<Record<string, string>> =>
  (Array.isArray(v.items) ? (v.items as Array<Record<string, string>>) : [v as Record<string, string>]).slice(0, max);

async function generate(b: BlockOf<'generate'>, rows: Row[], ctx: BlockContext): Promise<BlockOutcome> {
  const n = countOf(b.n, ctx.vars);
  const numSamples = countOf(b.num_samples, ctx.vars);
  const { json, zod } = outputSchemas(b, numSamples);
  const dropped: Record<string, number> = {};
  const vars = { ...ctx.vars, num_samples: numSamples };
  const per = await mapLimit(
    rows,
    ctx.concurrency,
    async (row) => {
      const replies = await ctx.calls.complete({
        block: b.name,
        role: b.model,
        messages: messages(b, row, { ...ctx, vars }),
        jsonSchema: json,
        schema: zod,
        n,
        temperature: b.temperature,
        maxTokens: b.max_tokens,
      });
      ctx.onCall();
      const out: Row[] = [];
      for (const r of replies) {
        if (!r.ok) {
          bump(dropped, r.reason);
          continue;
        }
        for (const item of itemsOf(r.value, b.output.list ? numSamples : 1)) {
          const empty = b.output.fields.find((f) => !item[f]?.trim());
          if (empty) bump(dropped, `empty ${empty}`);
          else out.push({ ...row, ...Object.fromEntries(b.output.fields.map((f) => [f, item[f]!.trim()])) });
        }
      }
      if (out.length > 0) ctx.onRows?.(b.name, out);
      return out;
    },
    ctx.signal,
  );
  return { rows: per.flat(), dropped };
}

async function judge(b: BlockOf<'judge'>, rows: Row[], ctx: BlockContext): Promise<BlockOutcome> {
  const v = b.verdict;
  const isEnum = 'enum' in v;
  const scoreJson = isEnum ? { type: 'string', enum: v.enum } : { type: 'integer', minimum: v.min, maximum: v.max };
  const json = {
    type: 'object',
    properties: { score: scoreJson, reason: { type: 'string' } },
    required: ['score', 'reason'],
    additionalProperties: false,
  };
  const zScore = isEnum
    ? z
        .string()
        .transform((s) => s.trim().toUpperCase())
        .pipe(z.enum(v.enum.map((e) => e.toUpperCase()) as [string, ...string[]]))
    : z.coerce.number().int().min(v.min).max(v.max);
  const schema = z.object({ score: zScore, reason: z.string().default('') });
  const dropped: Record<string, number> = {};
  const per = await mapLimit(
    rows,
    ctx.concurrency,
    async (row) => {
      const [r] = await ctx.calls.complete({
        block: b.name,
        role: b.model,
        messages: messages(b, row, ctx),
        jsonSchema: json,
        schema,
        n: 1,
        temperature: b.temperature,
        maxTokens: b.max_tokens,
      });
      ctx.onCall();
      if (!r?.ok) {
        bump(dropped, r?.reason ?? 'no reply');
        return [];
      }
      return [{ ...row, [b.column]: r.value.score, [`${b.column}_reason`]: r.value.reason }];
    },
    ctx.signal,
  );
  return { rows: per.flat(), dropped };
}

function filter(b: BlockOf<'filter'>, rows: Row[]): BlockOutcome {
  const dropped: Record<string, number> = {};
  const k = b.keep;
  const same = (a: unknown, c: string | number): boolean =>
    typeof c === 'number' ? Number(a) === c : String(a).toUpperCase() === c.toUpperCase();
  const keep = (val: unknown): boolean =>
    'equals' in k ? same(val, k.equals) : 'gte' in k ? Number(val) >= k.gte : k.in.some((c) => same(val, c));
  const out = rows.filter((r) => {
    const ok = keep(r[b.column]);
    if (!ok) bump(dropped, `${b.column} = ${String(r[b.column] ?? '(none)')}`);
    return ok;
  });
  return { rows: out, dropped };
}

function dedupe(b: BlockOf<'dedupe'>, rows: Row[]): BlockOutcome {
  const seen = new Set<string>();
  const dropped: Record<string, number> = {};
  const out = rows.filter((r) => {
    const key = b.columns.map((c) => fold(String(r[c] ?? ''))).join('\u0000');
    if (seen.has(key)) {
      bump(dropped, 'duplicate');
      return false;
    }
    seen.add(key);
    return true;
  });
  return { rows: out, dropped };
}

async function chunk(b: BlockOf<'chunk'>, rows: Row[], ctx: BlockContext): Promise<BlockOutcome> {
  const dropped: Record<string, number> = {};
  const out: Row[] = [];
  for (const row of rows) {
    const chunks = await ctx.calls.chunks(String(row[b.column] ?? ''), b.max_tokens);
    if (chunks.length === 0) bump(dropped, 'empty document');
    chunks.forEach((c, i) => out.push({ ...row, [b.column]: c, raw_document: c, chunk_index: i }));
  }
  return { rows: out, dropped };
}

async function spellcheck(b: BlockOf<'spellcheck'>, rows: Row[], ctx: BlockContext): Promise<BlockOutcome> {
  const dropped: Record<string, number> = {};
  const per = await mapLimit(
    rows,
    ctx.concurrency,
    async (row) => {
      const text = (
        await ctx.calls.text({
          block: b.name,
          role: b.model,
          messages: messages(b, row, ctx),
          temperature: b.temperature,
          maxTokens: b.max_tokens,
        })
      ).trim();
      ctx.onCall();
      if (!text) {
        bump(dropped, 'empty spellcheck reply');
        return [row];
      }
      ctx.aux.push({ raw: String(row[b.column]), corrected: text });
      return [row, { ...row, [b.column]: text, aux: 'spellcheck' }];
    },
    ctx.signal,
  );
  return { rows: per.flat(), dropped };
}

/** Runs one block on a leaf's rows. */
export async function runBlock(b: Block, rows: Row[], ctx: BlockContext): Promise<BlockOutcome> {
  switch (b.type) {
    case 'generate':
      return generate(b, rows, ctx);
    case 'judge':
      return judge(b, rows, ctx);
    case 'spellcheck':
      return spellcheck(b, rows, ctx);
    case 'chunk':
      return chunk(b, rows, ctx);
    case 'filter':
      return filter(b, rows);
    case 'dedupe':
      return dedupe(b, rows);
    case 'cross_seeds':
      return { rows: rows.flatMap((r) => ctx.seedRows(b.pairs).map((s) => ({ ...r, ...s }))), dropped: {} };
    case 'fold_context':
      return {
        rows: rows.map((r) => ({ ...r, [b.column]: render(b.template, r, ctx.vars, ctx.where(b.name)) })),
        dropped: {},
      };
    case 'mix':
      return { rows, dropped: {} };
  }
}

/** Model calls a block will make for `rows` (progress before it starts). */
export const callsOf = (b: { type: string }, rows: number): number =>
  ['generate', 'judge', 'spellcheck'].includes(b.type) ? rows : 0;
