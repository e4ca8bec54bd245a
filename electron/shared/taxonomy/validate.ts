import { isMap } from 'yaml';
import { checkIndentation } from './indentation.js';
import { lintLines } from './lint.js';
import { parseQna } from './parse-qna.js';
import { SchemaChecker, words } from './schema.js';
import { checkKnowledge, checkSkill } from './schema-rules.js';
import { blockScalarLines } from './text-pos.js';
import { lintTokens } from './tokens.js';
import { oldVersionFinding } from './upgrade.js';
import { CURRENT_VERSION, type VersionRules } from './versions.js';
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

/** What upstream calls an empty file (Python-falsy contents: nothing, {}, [], "", 0, false). */
const isEmptyForPython = (d: unknown): boolean =>
  d === null ||
  d === undefined ||
  d === '' ||
  d === 0 ||
  d === false ||
  (Array.isArray(d) && d.length === 0) ||
  (typeof d === 'object' && !Array.isArray(d) && !(d instanceof Date) && Object.keys(d).length === 0);

/** Rules that are yamllint's, not the schema's: upstream runs them only for version > 1. */
const isLintRule = (rule: string): boolean => rule.startsWith('lint.') || rule === 'yaml.duplicate-key';

/**
 * True when `ilab` (instructlab-schema's parser as ilab and its SDG call it) would refuse the file
 * as it is on disk: every error, and the lint problems LabForge repairs on save but upstream's
 * strict yamllint fails.
 */
export const blocksIlab = (f: Finding): boolean =>
  f.severity === 'error' ||
  // Python reads the file with universal newlines: yamllint never sees a CRLF.
  (f.severity === 'warning' && f.fixable === true && f.rule.startsWith('lint.') && f.rule !== 'lint.new-lines');

/**
 * InstructLab-compatible validation of one qna.yaml, by the file's own schema version as upstream
 * does it (missing `version` = 1): YAML read the way PyYAML reads it, yamllint's rules (only for
 * version > 1), the schema of that version, plus the advisory limits. Pure (only `yaml`), so the
 * editor, the CLI and the pipeline run the very same checks. `file` is the path relative to the
 * taxonomy root.
 */
export function validateQna(text: string, file: string): ValidationResult {
  const bytes = new TextEncoder().encode(text).length;
  if (bytes > QNA_LIMITS.maxFileBytes) {
    const mib = (bytes / 1024 / 1024).toFixed(1);
    return {
      kind: kindOf(file),
      stats: null,
      version: null,
      ilabAccepts: false,
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
  const parsed = parseQna(text, file);
  const { doc, lc } = parsed;
  const findings: Finding[] = [...parsed.errors, ...parsed.compat];
  // Found on the parsed text: moved back to the original's columns and offsets.
  const own: Finding[] = [...parsed.duplicateKeys];
  findings.push(...lintLines(text, file, blockScalarLines(doc, lc)));
  // Like yamllint, the token rules run up to the first syntax error.
  const until = parsed.errors.length > 0 ? Math.min(...parsed.errors.map((e) => e.from ?? 0)) : undefined;
  own.push(...lintTokens(parsed.text, file, until).map(({ fix: _fix, ...f }) => f));
  const done = (kind: QnaKind, rules: VersionRules | null, stats: QnaStats | null): ValidationResult => {
    let all = [...findings, ...own.map(parsed.toOriginal)];
    // Upstream does not lint version 1 files: the lint findings stay visible, as notes.
    if (rules && !rules.lint)
      all = all.map((f) =>
        isLintRule(f.rule)
          ? {
              ...f,
              severity: 'info',
              message: `${f.message} (Not checked for version 1 files; version 3 requires it.)`,
            }
          : f,
      );
    return {
      kind,
      stats,
      version: rules?.version ?? null,
      // An empty file is only a warning upstream (ilab skips it); LabForge refuses it: it teaches nothing.
      ilabAccepts: !all.some((f) => blocksIlab(f) && f.rule !== 'schema.empty'),
      findings: sortFindings(all),
    };
  };
  if (parsed.errors.length > 0) return done(kindOf(file), null, null);

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
    return done(kindOf(file), null, null);
  }
  const kind = kindOf(file, data);
  own.push(...checkIndentation(doc, lc, file, parsed.text.startsWith('\ufeff')));
  const checker = new SchemaChecker(doc, lc, file);
  let rules: VersionRules | null = null;
  if (isEmptyForPython(data)) {
    checker.add(
      [],
      'error',
      'schema.empty',
      kind === 'knowledge'
        ? 'The file is empty. Start with "version: 3", "created_by", "domain", "document_outline", "seed_examples" and "document".'
        : 'The file is empty. Start with "version: 3", "created_by", "task_description" and "seed_examples".',
    );
  } else if (kind === 'knowledge') rules = checkKnowledge(checker, data);
  else rules = checkSkill(checker, data, kind);
  own.push(...checker.findings);
  if (rules && !rules.refused && rules.version < CURRENT_VERSION && rules.version >= 1) {
    // What version 3 would still refuse after the upgrade (which repairs the fixable lint): its
    // schema rules on the same data, and the lint problems that cannot be repaired.
    const v3 = new SchemaChecker(doc, lc, file);
    checkSkill(v3, { ...(data as Record<string, unknown>), version: CURRENT_VERSION }, kind);
    const lint = [...findings, ...own].filter((f) => isLintRule(f.rule));
    const left = [...v3.findings, ...lint.filter((f) => !f.fixable)].filter(blocksIlab);
    const hadVersion = (data as Record<string, unknown>).version !== undefined;
    const repairs = lint.some((f) => f.fixable) || parsed.compat.length > 0;
    findings.push(oldVersionFinding(text, file, rules, hadVersion, left, repairs));
  }

  const seedsNode = isMap(doc.contents) ? doc.get('seed_examples', true) : undefined;
  const seedLines =
    seedsNode && typeof seedsNode === 'object' && 'items' in seedsNode
      ? (seedsNode.items as Array<{ range?: [number, number, number] }>).map((n) =>
          n.range ? lc.linePos(n.range[0]).line : 0,
        )
      : [];
  return done(kind, rules, statsOf(data, kind, seedLines));
}

const rank = { error: 0, warning: 1, info: 2 } as const;
export function sortFindings(f: Finding[]): Finding[] {
  return f.sort((a, b) => a.line - b.line || a.column - b.column || rank[a.severity] - rank[b.severity]);
}

/** `path:line:col severity message`, the shape of upstream's lint output. */
export function formatFinding(f: Finding): string {
  return `${f.severity.toUpperCase()}: ${f.file}:${f.line}:${f.column}${f.path ? ` [${f.path}]` : ''} ${f.message}`;
}
