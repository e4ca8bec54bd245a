import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import type { EvalIssue } from '../../shared/contract/index.js';
import { AppError } from '../../shared/errors.js';
import {
  formatFinding,
  kindOf,
  leafIdOf,
  TOP_FOLDERS,
  validateQna,
  type QnaKind,
} from '../../shared/taxonomy/index.js';
import { taxonomyDiff } from '../taxonomy/taxonomy-diff.js';

export interface QaPair {
  question: string;
  answer: string;
}

/** A changed leaf, as evaluation needs it. */
export interface EvalLeaf {
  leafId: string;
  /** Relative to the taxonomy root, `/` separators. */
  path: string;
  kind: QnaKind;
  /** Knowledge: the seed contexts with their Q&A pairs. */
  contexts: Array<{ context: string; pairs: QaPair[] }>;
  /** Skills: the seed examples (`context` makes them grounded). */
  seeds: Array<QaPair & { context: string | null }>;
}

export interface EvalLeaves {
  /** The diff base used (`empty` when the folder is not a git repository). */
  base: string;
  leaves: EvalLeaf[];
  /** Every answer of the taxonomy (changed or not): distractors for the multiple-choice items. */
  answerPool: string[];
  issues: EvalIssue[];
}

const str = (v: unknown): string => (typeof v === 'string' ? v.trim() : '');

function toLeaf(rel: string, data: unknown): EvalLeaf {
  const kind = kindOf(rel, data);
  const d = (data ?? {}) as { seed_examples?: unknown[] };
  const seeds = Array.isArray(d.seed_examples) ? d.seed_examples : [];
  const leaf: EvalLeaf = { leafId: leafIdOf(rel), path: rel, kind, contexts: [], seeds: [] };
  for (const s of seeds) {
    const e = (s ?? {}) as { context?: unknown; question?: unknown; answer?: unknown; questions_and_answers?: unknown };
    if (kind === 'knowledge') {
      const pairs = (Array.isArray(e.questions_and_answers) ? e.questions_and_answers : [])
        .map((p: { question?: unknown; answer?: unknown }) => ({ question: str(p?.question), answer: str(p?.answer) }))
        .filter((p) => p.question && p.answer);
      leaf.contexts.push({ context: str(e.context), pairs });
    } else if (str(e.question) && str(e.answer)) {
      leaf.seeds.push({ question: str(e.question), answer: str(e.answer), context: str(e.context) || null });
    }
  }
  return leaf;
}

async function walkLeaves(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    const entries = await fs.readdir(path.join(dir, rel), { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      const r = `${rel}/${e.name}`;
      if (e.isDirectory()) await walk(r);
      else if (e.isFile() && e.name === 'qna.yaml') out.push(r);
    }
  };
  for (const top of TOP_FOLDERS) await walk(top);
  return out.sort();
}

/**
 * The leaves to evaluate: the taxonomy diff's selection (`ilab taxonomy diff`), plus changed
 * foundational skills (MT-Bench-branch reads them too); every leaf when the folder is not a git
 * repository. Each file goes through the shared validator: a file with errors is left out with
 * its first finding as the reason, the rest are evaluated.
 */
export async function loadEvalLeaves(dir: string, base?: string): Promise<EvalLeaves> {
  const root = path.resolve(dir);
  if (!existsSync(root))
    throw new AppError('NOT_FOUND', `The taxonomy folder ${dir} does not exist.`, { details: { path: root } });
  let usedBase = base ?? 'empty';
  let selected: string[];
  const all = await walkLeaves(root);
  if (existsSync(path.join(root, '.git')) && base !== 'empty') {
    const diff = await taxonomyDiff(root, base);
    usedBase = diff.base;
    const foundational = diff.skipped.filter(
      (s) => s.path.startsWith('foundational_skills/') && s.path.endsWith('/qna.yaml'),
    );
    selected = [...diff.leaves.map((l) => l.path), ...foundational.map((s) => s.path).filter((p) => all.includes(p))];
  } else selected = all;

  const issues: EvalIssue[] = [];
  const leaves: EvalLeaf[] = [];
  const answerPool: string[] = [];
  for (const rel of all) {
    const text = await fs.readFile(path.join(root, rel), 'utf8').catch(() => null);
    if (text === null) continue;
    const isSelected = selected.includes(rel);
    const v = validateQna(text, rel);
    const errors = v.findings.filter((f) => f.severity === 'error');
    if (errors.length > 0) {
      if (isSelected)
        issues.push({
          what: leafIdOf(rel),
          reason: `not evaluated: the file does not validate (${formatFinding(errors[0]!)})`,
        });
      continue;
    }
    const leaf = toLeaf(rel, parse(text));
    for (const c of leaf.contexts) for (const p of c.pairs) answerPool.push(p.answer);
    for (const s of leaf.seeds) answerPool.push(s.answer);
    if (isSelected) leaves.push(leaf);
  }
  if (selected.length === 0)
    issues.push({ what: 'taxonomy', reason: `no changed leaves since ${usedBase}: nothing to evaluate` });
  return { base: usedBase, leaves, answerPool: [...new Set(answerPool)], issues };
}
