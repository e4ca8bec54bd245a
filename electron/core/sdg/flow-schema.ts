import { z } from 'zod';

/**
 * A flow is data (as in Red Hat's SDG Hub): a YAML file of blocks run in order on a table of
 * rows (one table per taxonomy leaf). Every block reads and writes columns; prompts are
 * templates over the row's columns (`{{question}}`) and the run's variables (`{{scale}}`).
 */

const name = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_-]*$/, 'letters, digits, "_" and "-", starting with a letter')
  .max(64);
const column = z.string().regex(/^[a-z_][a-z0-9_]*$/, 'a column name: lower-case letters, digits and "_"');
/** A count, or `scale`: the run's scale factor (`--scale`, upstream `sdg-scale-factor`). */
const count = z.union([z.number().int().min(1).max(1000), z.literal('scale')]);

const prompt = z.strictObject({
  system: z.string().min(1).optional(),
  user: z.string().min(1),
});

const llm = {
  name,
  /** Which model answers: the teacher, or the judge (the teacher when no judge is set). */
  model: z.enum(['teacher', 'judge']).default('teacher'),
  temperature: z.number().min(0).max(2).default(0),
  max_tokens: z.number().int().min(1).max(32768).default(4096),
  prompt,
};

export const chunkBlockSchema = z.strictObject({
  type: z.literal('chunk'),
  name,
  /** Tokens per chunk under the teacher's tokenizer (upstream: 500). */
  max_tokens: z.number().int().min(16).max(32768).default(500),
  column: column.default('document'),
});

/** Adds a corrected copy of each row's `column` (upstream's spellcheck auxiliary data doubles the rows). */
export const spellcheckBlockSchema = z.strictObject({
  type: z.literal('spellcheck'),
  ...llm,
  column: column.default('document'),
});

/** Crosses each row with the leaf's seed examples (knowledge: the first `pairs` Q&A of each context). */
export const seedsBlockSchema = z.strictObject({
  type: z.literal('cross_seeds'),
  name,
  pairs: z.number().int().min(1).max(10).default(3),
});

export const generateBlockSchema = z.strictObject({
  type: z.literal('generate'),
  ...llm,
  /** Independent replies per row (the simple pipeline's `n` = scale). */
  n: count.default(1),
  /** Shown to prompts as `{{num_samples}}`; with `list`, the most items one reply may hold. */
  num_samples: count.default(1),
  /** String columns each generated item has (the reply's JSON keys). */
  output: z.strictObject({
    fields: z.array(column).min(1),
    /** The reply is a list of items (`{"items": [...]}`) instead of one item. */
    list: z.boolean().default(false),
    /** The longest a field may be (`maxLength` in the JSON schema: a grammar stops small local models there). */
    max_chars: z.number().int().min(1).max(100000).optional(),
  }),
});

export const judgeBlockSchema = z.strictObject({
  type: z.literal('judge'),
  ...llm,
  /** The verdict: one of an enum (`YES`/`NO`), or an integer score in [min, max]. */
  verdict: z.union([
    z.strictObject({ enum: z.array(z.string().min(1)).min(2) }),
    z.strictObject({ min: z.number().int(), max: z.number().int() }),
  ]),
  /** Where the verdict goes (`<column>_reason` gets the judge's reason). */
  column,
});

export const filterBlockSchema = z.strictObject({
  type: z.literal('filter'),
  name,
  column,
  keep: z.union([
    z.strictObject({ equals: z.union([z.string(), z.number()]) }),
    z.strictObject({ gte: z.number() }),
    z.strictObject({ in: z.array(z.union([z.string(), z.number()])).min(1) }),
  ]),
});

export const dedupeBlockSchema = z.strictObject({
  type: z.literal('dedupe'),
  name,
  /** Rows whose columns are equal after case and whitespace folding are duplicates; the first is kept. */
  columns: z.array(column).min(1),
});

/** Writes a template into a column (grounded skills: the context folded into the question). */
export const foldBlockSchema = z.strictObject({
  type: z.literal('fold_context'),
  name,
  column,
  template: z.string().min(1),
});

/** The end of a flow: how the mixer turns its rows into training records. */
export const mixBlockSchema = z.strictObject({
  type: z.literal('mix'),
  name,
  dataset: z.enum(['knowledge', 'skill']),
  /** Skills: samples drawn per leaf, with replacement (upstream: 30). */
  sampling_size: z.number().int().min(1).max(100000).default(30),
  /** Knowledge: the probability that the gold chunk is among the RAFT distractors (upstream: 0.4). */
  raft_p: z.number().min(0).max(1).default(0.4),
  /** Knowledge: documents shown to a RAFT sample (the gold one and distractors). */
  raft_documents: z.number().int().min(1).max(10).default(4),
});

export const blockSchema = z.discriminatedUnion('type', [
  chunkBlockSchema,
  spellcheckBlockSchema,
  seedsBlockSchema,
  generateBlockSchema,
  judgeBlockSchema,
  filterBlockSchema,
  dedupeBlockSchema,
  foldBlockSchema,
  mixBlockSchema,
]);

export const flowSchema = z
  .strictObject({
    version: z.literal(1),
    name,
    description: z.string().min(1),
    /** What leaves the flow is for. */
    applies_to: z.enum(['knowledge', 'freeform_skill', 'grounded_skill']),
    pipeline: z.enum(['simple', 'full']),
    blocks: z.array(blockSchema).min(1),
  })
  .superRefine((f, ctx) => {
    const last = f.blocks.at(-1);
    if (last?.type !== 'mix')
      ctx.addIssue({ code: 'custom', path: ['blocks', f.blocks.length - 1], message: 'a flow ends with a mix block' });
    const seen = new Set<string>();
    f.blocks.forEach((b, i) => {
      if (seen.has(b.name))
        ctx.addIssue({ code: 'custom', path: ['blocks', i, 'name'], message: `two blocks are named "${b.name}"` });
      seen.add(b.name);
      if (b.type === 'mix' && i !== f.blocks.length - 1)
        ctx.addIssue({ code: 'custom', path: ['blocks', i, 'type'], message: 'mix must be the last block' });
    });
  });

export type Flow = z.infer<typeof flowSchema>;
export type Block = z.infer<typeof blockSchema>;
export type BlockOf<T extends Block['type']> = Extract<Block, { type: T }>;
export type LlmBlock = BlockOf<'spellcheck' | 'generate' | 'judge'>;
