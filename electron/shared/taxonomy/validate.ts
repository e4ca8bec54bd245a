import { isMap, LineCounter, parseDocument, type YAMLError } from 'yaml';
import { checkIndentation } from './indentation.js';
import { lintLines } from './lint.js';
import { SchemaChecker, words } from './schema.js';
import { blockScalarLines } from './text-pos.js';
import { lintTokens } from './tokens.js';
import {
  QNA_LIMITS,
  type Finding,
  type QnaKind,
  type QnaStats,
  type SeedStats,
  type ValidationResult,
} from './types.js';

/** Folders that validation, diff and SDG scan (upstream DEFAULT_TAXONOMY_FOLDERS). */
export const TRAINED_FOLDERS = ['compositional_skills', 'knowledge'] as const;
export const TOP_FOLDERS = ['knowledge', 'compositional_skills', 'foundational_skills'] as const;

/** What a qna.yaml at `file` teaches; outside the known folders, knowledge when it has `document`. */
export function kindOf(file: string, data?: unknown): QnaKind {
  const top = file.replace(/\\/g, '/').split('/')[0];
  if (top === 'knowledge') return 'knowledge';
  if (top === 'compositional_skills') return 'compositional_skill';
  if (top === 'foundational_skills') return 'foundational_skill';
  const hasDoc = typeof data === 'object' && data !== null && 'document' in data;
  return hasDoc ? 'knowledge' : 'compositional_skill';
}

/** Upstream's leaf id: the folder's path segments joined by `->`. */
export function leafIdOf(file: string): string {
  const parts = file.replace(/\\/g, '/').split('/');
  parts.pop();
  return parts.join('->');
}

const yamlMessages: Record<string, string> = {
  DUPLICATE_KEY: 'This key appears twice in the same block; keep only one of them.',
  TAB_AS_INDENT: 'A tab is used for indentation: YAML allows only spaces here.',
  BAD_INDENT: 'The indentation here does not line up with the lines above it.',
  MISSING_CHAR: 'Something is missing here (often a closing quote or bracket).',
  MULTILINE_IMPLICIT_KEY: 'A key cannot span several lines: is a colon or an indent missing on the line above?',
  UNEXPECTED_TOKEN: 'YAML did not expect this here.',
  BLOCK_AS_IMPLICIT_KEY: 'A nested block cannot be used as a key: check the indentation.',
  MULTIPLE_DOCS: 'A qna.yaml holds one document: remove the extra "---".',
};

function yamlFinding(e: YAMLError, lc: LineCounter, file: string): Finding {
  const p = lc.linePos(e.pos[0]);
  const first = e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
  const plain = yamlMessages[e.code];
  return {
    file,
    line: p.line,
    column: p.col,
    severity: 'error',
    rule: `yaml.${e.code.toLowerCase().replace(/_/g, '-')}`,
    message: plain ? `${plain} (${first})` : `YAML syntax error: ${first}`,
    from: e.pos[0],
    to: Math.max(e.pos[0], e.pos[1]),
  };
}

/** Live counters for the editor (null when the text is not a mapping with seed_examples). */
export function statsOf(data: unknown, kind: QnaKind, seedLines: number[] = []): QnaStats | null {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return null;
  const seedsRaw = (data as { seed_examples?: unknown }).seed_examples;
  const seedsArr = Array.isArray(seedsRaw) ? seedsRaw : [];
  const s = (v: unknown): string => (typeof v === 'string' ? v : '');
  let totalWords = 0;
  let grounded = false;
  const seeds: SeedStats[] = seedsArr.map((raw, index) => {
    const seed = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
    const pairs = Array.isArray(seed.questions_and_answers)
      ? (seed.questions_and_answers as Array<Record<string, unknown> | null>)
      : [];
    const qnaWords = pairs.reduce((n, p) => n + words(s(p?.question)) + words(s(p?.answer)), 0);
    const contextWords = words(s(seed.context));
    if (kind !== 'knowledge' && s(seed.context).trim() !== '') grounded = true;
    const st: SeedStats = {
      index,
      line: seedLines[index] ?? 0,
      contextWords,
      qnaWords,
      qnaPairs: pairs.length,
      questionChars: s(seed.question).trim().length,
      answerChars: s(seed.answer).trim().length,
    };
    totalWords +=
      kind === 'knowledge' ? contextWords + qnaWords : words(s(seed.question)) + words(s(seed.answer)) + contextWords;
    return st;
  });
  return { kind, seeds, totalWords, grounded };
}

/**
 * InstructLab-compatible validation of one qna.yaml: YAML syntax, upstream's strict yamllint
 * rules and schema v3, plus the advisory limits. Pure (only `yaml`), so the editor, the CLI and
 * the pipeline run the very same checks. `file` is the path relative to the taxonomy root.
 */
export function validateQna(text: string, file: string): ValidationResult {
  const bytes = new TextEncoder().encode(text).length;
  if (bytes > QNA_LIMITS.maxFileBytes) {
    const mib = (bytes / 1024 / 1024).toFixed(1);
    return {
      kind: kindOf(file),
      stats: null,
      findings: [
        {
          file,
          line: 1,
          column: 1,
          severity: 'error',
          rule: 'file.too-large',
          message: `This file is ${mib} MiB; a qna.yaml may be at most 1 MiB. Move long text into a knowledge document instead.`,
        },
      ],
    };
  }
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: true, prettyErrors: false, strict: true });
  const findings: Finding[] = [];
  for (const e of doc.errors) findings.push(yamlFinding(e, lc, file));
  findings.push(...lintLines(text, file, blockScalarLines(doc, lc)));
  // Like yamllint, the token rules run up to the first syntax error.
  const until = doc.errors.length > 0 ? Math.min(...doc.errors.map((e) => e.pos[0])) : undefined;
  findings.push(...lintTokens(text, file, until).map(({ fix: _fix, ...f }) => f));
  if (doc.errors.length > 0) return { kind: kindOf(file), stats: null, findings: sortFindings(findings) };

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: QNA_LIMITS.maxAliasCount });
  } catch (err) {
    const msg = (err as Error).message;
    const bomb = /alias count/i.test(msg);
    findings.push({
      file,
      line: 1,
      column: 1,
      severity: 'error',
      rule: bomb ? 'yaml.alias-bomb' : 'yaml.alias',
      message: bomb
        ? `Too many aliases (*name references): this file expands to more than ${QNA_LIMITS.maxAliasCount} copies, which could exhaust memory. Write the text out instead.`
        : `YAML error: ${msg}. Define the anchor (&name) before using it (*name).`,
    });
    return { kind: kindOf(file), stats: null, findings: sortFindings(findings) };
  }
  const kind = kindOf(file, data);
  findings.push(...checkIndentation(doc, lc, file));
  const checker = new SchemaChecker(doc, lc, file);
  if (data === null || data === undefined) {
    checker.add(
      [],
      'error',
      'schema.empty',
      kind === 'knowledge'
        ? 'The file is empty. Start with "version: 3", "created_by", "domain", "document_outline", "seed_examples" and "document".'
        : 'The file is empty. Start with "version: 3", "created_by", "task_description" and "seed_examples".',
    );
  } else if (kind === 'knowledge') checker.knowledge(data as Record<string, unknown>);
  else checker.skill(data as Record<string, unknown>);
  findings.push(...checker.findings);

  const seedsNode = isMap(doc.contents) ? doc.get('seed_examples', true) : undefined;
  const seedLines =
    seedsNode && typeof seedsNode === 'object' && 'items' in seedsNode
      ? (seedsNode.items as Array<{ range?: [number, number, number] }>).map((n) =>
          n.range ? lc.linePos(n.range[0]).line : 0,
        )
      : [];
  return { kind, stats: statsOf(data, kind, seedLines), findings: sortFindings(findings) };
}

const rank = { error: 0, warning: 1, info: 2 } as const;
export function sortFindings(f: Finding[]): Finding[] {
  return f.sort((a, b) => a.line - b.line || a.column - b.column || rank[a.severity] - rank[b.severity]);
}

/** `path:line:col severity message`, the shape of upstream's lint output. */
export function formatFinding(f: Finding): string {
  return `${f.severity.toUpperCase()}: ${f.file}:${f.line}:${f.column}${f.path ? ` [${f.path}]` : ''} ${f.message}`;
}
