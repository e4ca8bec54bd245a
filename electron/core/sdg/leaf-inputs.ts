import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { AppError } from '../../shared/errors.js';
import { formatFinding, QNA_LIMITS, validateQna, type Finding } from '../../shared/taxonomy/index.js';
import { taxonomyDiff } from '../taxonomy/taxonomy-diff.js';
import type { LeafFlowKind } from './flow-loader.js';
import type { Row } from './template.js';

interface KnowledgeSeed {
  context: string;
  questions_and_answers: Array<{ question: string; answer: string }>;
}
interface SkillSeed {
  question: string;
  answer: string;
  context?: string;
}

export interface Leaf {
  /** `knowledge->science->astronomy` */
  id: string;
  /** Path of the qna.yaml relative to the taxonomy root. */
  path: string;
  kind: LeafFlowKind;
  /** Knowledge: `domain`; skills: `task_description`. */
  domain: string;
  outline: string;
  document: { repo: string; commit: string; patterns: string[] } | null;
  seeds: Array<KnowledgeSeed | SkillSeed>;
}

/**
 * The leaves the taxonomy diff selects (`--base`, as `ilab taxonomy diff`), each validated with
 * the shared validator up front: any error refuses the whole run with the findings.
 */
export async function selectLeaves(root: string, base?: string): Promise<{ leaves: Leaf[]; base: string }> {
  const diff = await taxonomyDiff(root, base);
  if (diff.leaves.length === 0)
    throw new AppError('NOT_FOUND', 'No new leaf nodes found in the taxonomy.', {
      hint: `Nothing under knowledge/ or compositional_skills/ changed since ${diff.base}. Pick an older --base, or "empty" for every leaf.`,
      details: { skipped: diff.skipped },
    });
  const findings: Finding[] = [];
  const leaves: Leaf[] = [];
  for (const l of diff.leaves) {
    const text = await fsp.readFile(path.join(root, l.path), 'utf8');
    const v = validateQna(text, l.path);
    const errors = v.findings.filter((f) => f.severity === 'error');
    findings.push(...errors);
    if (errors.length > 0) continue;
    const data = parse(text) as Record<string, unknown>;
    const seeds = (data.seed_examples ?? []) as Leaf['seeds'];
    const knowledge = v.kind === 'knowledge';
    const grounded =
      !knowledge && (seeds as SkillSeed[]).some((s) => typeof s.context === 'string' && s.context.trim() !== '');
    leaves.push({
      id: l.leafId,
      path: l.path,
      kind: knowledge ? 'knowledge' : grounded ? 'grounded_skill' : 'freeform_skill',
      domain: String(knowledge ? data.domain : data.task_description),
      outline: String(data.document_outline ?? data.task_description ?? ''),
      document: knowledge ? (data.document as Leaf['document']) : null,
      seeds,
    });
  }
  if (findings.length > 0)
    throw new AppError(
      'VALIDATION_FAILED',
      `The taxonomy is not valid (${findings.length} error${findings.length === 1 ? '' : 's'}); no data was generated.`,
      {
        hint: findings.slice(0, 5).map(formatFinding).join('\n'),
        details: { findings },
      },
    );
  return { leaves, base: diff.base };
}

/** The columns every row of a leaf starts with. */
export function leafColumns(leaf: Leaf): Row {
  return leaf.kind === 'knowledge'
    ? { leaf: leaf.id, domain: leaf.domain, document_outline: leaf.outline }
    : { leaf: leaf.id, task_description: leaf.domain };
}

/** Knowledge: the seeds as in-context examples (`icl_document`, `icl_query_1`, `icl_response_1`, ...). */
export function knowledgeSeedRows(leaf: Leaf, pairs: number): Row[] {
  const n = Math.min(pairs, QNA_LIMITS.usedQnaPairs);
  return (leaf.seeds as KnowledgeSeed[]).map((s) => {
    const row: Row = { icl_document: s.context.trim() };
    s.questions_and_answers.slice(0, n).forEach((qa, i) => {
      row[`icl_query_${i + 1}`] = qa.question.trim();
      row[`icl_response_${i + 1}`] = qa.answer.trim();
    });
    return row;
  });
}

/** Skills: one row per seed example. */
export function skillSeedRows(leaf: Leaf): Row[] {
  return (leaf.seeds as SkillSeed[]).map((s) => ({
    ...leafColumns(leaf),
    seed_question: s.question.trim(),
    seed_response: s.answer.trim(),
    seed_context: (s.context ?? '').trim(),
  }));
}
