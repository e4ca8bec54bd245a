import { keysOf } from './keys.js';
import { kindWord, words, type Obj, type Path, type SchemaChecker } from './schema.js';
import { QNA_LIMITS, type QnaKind } from './types.js';
import { CURRENT_VERSION, declaredVersion, refusedKnowledgeMessage, rulesFor, type VersionRules } from './versions.js';

const KNOWLEDGE_UPGRADE =
  'Upgrading means: "version: 3", a "document_outline" (a short summary of the document) instead of "task_description", and the seed examples rewritten as at least 5 excerpts of the document ("context"), each with 3 questions and answers. "Upgrade to version 3" in the editor does the restructuring; you write the excerpts.';

/**
 * The schema rules this file is held to: its own `version` (missing = 1), as upstream reads it.
 * Reports a `version` that is not a whole number, one no schema exists for, and refused knowledge
 * versions; an old skill version is not an error (validate.ts adds the upgrade note).
 */
export function checkVersion(c: SchemaChecker, root: Obj, kind: QnaKind): VersionRules {
  const v = root.version;
  const version = declaredVersion(root);
  if (v !== undefined && (typeof v !== 'number' || !Number.isInteger(v)))
    c.add(
      ['version'],
      'error',
      'schema.type',
      `"version" must be a whole number like 3, but it is ${kindWord(v)}.${typeof v === 'string' ? ' Remove the quotes.' : ''}`,
    );
  else if (version > CURRENT_VERSION || version < 1) {
    c.add(
      ['version'],
      'error',
      'schema.version',
      version > CURRENT_VERSION
        ? `Version ${version} is newer than this LabForge understands (it reads up to ${CURRENT_VERSION}).`
        : `There is no schema version ${version}: use "version: 3".`,
    );
    // No schema of that version: checked by the current one, reported as the version it declares.
    return { ...rulesFor(kind, CURRENT_VERSION), version, lint: version > 1 };
  }
  const rules = rulesFor(kind, version);
  if (rules.refused)
    c.add(
      v === undefined ? [] : ['version'],
      'error',
      'schema.version',
      `${refusedKnowledgeMessage(version)}${v === undefined ? ' (There is no "version" key, so ilab reads the file as version 1.)' : ''} ${KNOWLEDGE_UPGRADE}`,
      // Without a version key, point at the first key rather than underlining the whole file.
      v === undefined ? c.keyNode([], Object.keys(root)[0] ?? '') : undefined,
    );
  return rules;
}

const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

export function checkKnowledge(c: SchemaChecker, root: unknown): VersionRules | null {
  if (!isObj(root)) return c.obj(root, [], []) && null;
  const rules = checkVersion(c, root, 'knowledge');
  // Upstream stops at a refused version: the old schema's other rules no longer matter.
  if (rules.refused) return rules;
  const r = c.obj(root, [], keysOf('knowledge'));
  if (!r) return null;
  c.str(r, 'created_by', []);
  c.str(r, 'domain', []);
  c.str(r, 'document_outline', []);
  const seeds = c.list(r, 'seed_examples', [], QNA_LIMITS.minSeedExamples, 'seed examples');
  seeds?.forEach((s, i) => {
    const base: Path = ['seed_examples', i];
    const seed = c.obj(s, base, keysOf('knowledgeSeed'));
    if (!seed) return;
    const ctx = c.str(seed, 'context', base);
    if (ctx !== null && words(ctx) > QNA_LIMITS.maxContextWords)
      c.add(
        [...base, 'context'],
        'warning',
        'limit.context-words',
        `This context has ${words(ctx)} words; keep it under ${QNA_LIMITS.maxContextWords} so the teacher model can use it.`,
      );
    const pairs = c.list(seed, 'questions_and_answers', base, QNA_LIMITS.minQnaPairs, 'question-and-answer pairs');
    let qnaWords = 0;
    pairs?.forEach((p, j) => {
      const pb: Path = [...base, 'questions_and_answers', j];
      const pair = c.obj(p, pb, keysOf('qnaPair'));
      if (!pair) return;
      qnaWords += words(c.str(pair, 'question', pb) ?? '') + words(c.str(pair, 'answer', pb) ?? '');
    });
    if (pairs && pairs.length > QNA_LIMITS.usedQnaPairs)
      c.add(
        [...base, 'questions_and_answers', QNA_LIMITS.usedQnaPairs],
        'info',
        'limit.used-pairs',
        `Synthetic data generation uses only the first ${QNA_LIMITS.usedQnaPairs} pairs of each context; this one and the ones after it are ignored.`,
      );
    if (qnaWords > QNA_LIMITS.maxSeedQnaWords)
      c.add(
        [...base, 'questions_and_answers'],
        'warning',
        'limit.qna-words',
        `The questions and answers of this seed have ${qnaWords} words together; keep them under ${QNA_LIMITS.maxSeedQnaWords}.`,
      );
  });
  if (r.document !== undefined) checkDocument(c, r.document);
  else
    c.add(
      [],
      'error',
      'schema.required',
      'Missing "document": knowledge needs the source document (repo, commit, patterns). Use "Add document" to fill it in.',
    );
  return rules;
}

function checkDocument(c: SchemaChecker, document: unknown): void {
  const d = c.obj(document, ['document'], keysOf('document'));
  if (!d) return;
  c.str(d, 'repo', ['document']);
  const commit = c.str(d, 'commit', ['document']);
  if (commit && !/^[0-9a-f]{7,40}$/i.test(commit.trim()))
    c.add(
      ['document', 'commit'],
      'warning',
      'schema.commit',
      `"document.commit" should be a git commit id (7 to 40 hex digits), not "${commit.slice(0, 40)}".`,
    );
  const pats = c.list(d, 'patterns', ['document'], 1, 'file patterns (like "*.md")');
  pats?.forEach((p, i) => {
    if (typeof p !== 'string' || p === '')
      c.add(['document', 'patterns', i], 'error', 'schema.type', `Each pattern must be non-empty text like "*.md".`);
    else if (/\.[A-Za-z0-9]+$/.test(p) && !/\.(md|pdf)$/i.test(p))
      c.add(
        ['document', 'patterns', i],
        'error',
        'schema.document-type',
        `"${p}" is not a Markdown (.md) or PDF file: InstructLab reads only those (Unsupported file format for knowledge docs).`,
      );
  });
}

export function checkSkill(c: SchemaChecker, root: unknown, kind: QnaKind): VersionRules | null {
  if (!isObj(root)) return c.obj(root, [], []) && null;
  const r = c.obj(root, [], keysOf('skill'));
  if (!r) return null;
  const rules = checkVersion(c, r, kind);
  c.str(r, 'created_by', []);
  c.str(r, 'task_description', [], true, rules.emptyTaskDescription);
  const seeds = c.list(r, 'seed_examples', [], rules.minSeedExamples, 'seed examples', rules.uniqueSeedExamples);
  let total = 0;
  seeds?.forEach((s, i) => {
    const base: Path = ['seed_examples', i];
    const seed = c.obj(s, base, keysOf('skillSeed'));
    if (!seed) return;
    const q = c.str(seed, 'question', base) ?? '';
    const a = c.str(seed, 'answer', base) ?? '';
    const ctx = c.str(seed, 'context', base, false) ?? '';
    total += words(q) + words(a) + words(ctx);
    if (q.trim().length > QNA_LIMITS.maxSkillQuestionChars)
      c.add(
        [...base, 'question'],
        'info',
        'limit.question-chars',
        `Short questions work best: this one has ${q.trim().length} characters (aim for ${QNA_LIMITS.maxSkillQuestionChars} or fewer).`,
      );
    if (a && a.trim().length < QNA_LIMITS.minSkillAnswerChars)
      c.add(
        [...base, 'answer'],
        'info',
        'limit.answer-chars',
        `Answers teach by example: this one has ${a.trim().length} characters (aim for at least ${QNA_LIMITS.minSkillAnswerChars}).`,
      );
  });
  if (total > QNA_LIMITS.maxSkillWords)
    c.add(
      ['seed_examples'],
      'warning',
      'limit.skill-words',
      `The seed examples have ${total} words in total; keep them under about ${QNA_LIMITS.maxSkillWords}.`,
    );
  return rules;
}
