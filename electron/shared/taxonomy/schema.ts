import { isMap, isScalar, type Document, type LineCounter, type Node, type Pair } from 'yaml';
import { QNA_LIMITS, type Finding, type QnaKind, type Severity } from './types.js';

type Path = Array<string | number>;
type Obj = Record<string, unknown>;

export const KNOWLEDGE_KEYS = [
  'version',
  'created_by',
  'domain',
  'seed_examples',
  'document_outline',
  'document',
] as const;
export const SKILL_KEYS = ['version', 'created_by', 'task_description', 'seed_examples'] as const;
export const KNOWLEDGE_SEED_KEYS = ['context', 'questions_and_answers'] as const;
export const QNA_PAIR_KEYS = ['question', 'answer'] as const;
export const SKILL_SEED_KEYS = ['question', 'answer', 'context'] as const;
export const DOCUMENT_KEYS = ['repo', 'commit', 'patterns'] as const;

export const pathText = (p: Path): string =>
  p.reduce<string>((s, k) => (typeof k === 'number' ? `${s}[${k}]` : s ? `${s}.${k}` : k), '');

const kindWord = (v: unknown): string =>
  v === null || v === undefined
    ? 'empty'
    : Array.isArray(v)
      ? 'a list'
      : typeof v === 'object'
        ? 'a mapping (key: value pairs)'
        : typeof v === 'string'
          ? 'text'
          : typeof v === 'number'
            ? 'a number'
            : typeof v === 'boolean'
              ? 'true/false'
              : typeof v;

/** Checks a parsed qna.yaml against InstructLab's schema v3 and the advisory limits. */
export class SchemaChecker {
  readonly findings: Finding[] = [];

  constructor(
    private readonly doc: Document,
    private readonly lc: LineCounter,
    private readonly file: string,
  ) {}

  private nodeAt(path: Path): Node | null {
    for (let n = path.length; n >= 0; n--) {
      const node = n === 0 ? this.doc.contents : this.doc.getIn(path.slice(0, n), true);
      if (node && typeof node === 'object' && 'range' in node && (node as Node).range) return node as Node;
    }
    return null;
  }

  private keyNode(path: Path, key: string): Node | null {
    const map = path.length === 0 ? this.doc.contents : this.doc.getIn(path, true);
    if (!isMap(map)) return null;
    const pair = (map.items as Pair[]).find((p) => isScalar(p.key) && String(p.key.value) === key);
    return pair && isScalar(pair.key) ? pair.key : null;
  }

  add(path: Path, severity: Severity, rule: string, message: string, node?: Node | null): void {
    const n = node ?? this.nodeAt(path);
    const from = n?.range?.[0] ?? 0;
    const to = Math.max(from, n?.range?.[1] ?? from);
    const p = this.lc.linePos(from);
    const f: Finding = { file: this.file, line: p.line, column: p.col, severity, rule, message, from, to };
    if (path.length) f.path = pathText(path);
    this.findings.push(f);
  }

  private str(obj: Obj, key: string, base: Path, required = true): string | null {
    const v = obj[key];
    const path = [...base, key];
    if (v === undefined) {
      if (required)
        this.add(
          base,
          'error',
          'schema.required',
          `Missing "${key}"${base.length ? ` in ${pathText(base)}` : ''}: it is required.`,
        );
      return null;
    }
    if (typeof v !== 'string') {
      this.add(
        path,
        'error',
        'schema.type',
        `"${pathText(path)}" must be text, but it is ${kindWord(v)}.${typeof v === 'number' || typeof v === 'boolean' ? ' Put it in quotes.' : ''}`,
      );
      return null;
    }
    if (v.length === 0)
      this.add(path, 'error', 'schema.min-length', `"${pathText(path)}" is empty: write something here.`);
    else if (v.trim() === '') this.add(path, 'warning', 'schema.blank', `"${pathText(path)}" holds only spaces.`);
    return v;
  }

  private list(obj: Obj, key: string, base: Path, min: number, what: string): unknown[] | null {
    const v = obj[key];
    const path = [...base, key];
    if (v === undefined) {
      this.add(
        base,
        'error',
        'schema.required',
        `Missing "${key}"${base.length ? ` in ${pathText(base)}` : ''}: it is required (a list of at least ${min} ${what}).`,
      );
      return null;
    }
    if (!Array.isArray(v)) {
      this.add(
        path,
        'error',
        'schema.type',
        `"${pathText(path)}" must be a list (lines starting with "- "), but it is ${kindWord(v)}.`,
      );
      return null;
    }
    if (v.length < min)
      this.add(
        path,
        'error',
        'schema.min-items',
        `"${pathText(path)}" needs at least ${min} ${what}; it has ${v.length}. Add ${min - v.length} more (Value must have at least ${min} items).`,
        this.keyNode(base, key),
      );
    const seen = new Map<string, number>();
    v.forEach((item, i) => {
      const k = JSON.stringify(item);
      // Blank copies (a fresh template) already get "is empty" findings; a second message would be noise.
      if (!/"[^"]+":"[^"]|^"[^"]/.test(k) && typeof item !== 'number') return;
      const prev = seen.get(k);
      if (prev !== undefined)
        this.add(
          [...path, i],
          'error',
          'schema.unique',
          `${pathText([...path, i])} is an exact copy of ${pathText([...path, prev])}: every item must be different.`,
        );
      else seen.set(k, i);
    });
    return v;
  }

  private obj(v: unknown, path: Path, allowed: readonly string[]): Obj | null {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) {
      this.add(
        path,
        'error',
        'schema.type',
        `"${pathText(path)}" must be a mapping (key: value lines), but it is ${kindWord(v)}.`,
      );
      return null;
    }
    const o = v as Obj;
    for (const k of Object.keys(o))
      if (!allowed.includes(k))
        this.add(
          [...path, k],
          'error',
          'schema.additional',
          `Unknown key "${k}"${path.length ? ` in ${pathText(path)}` : ''}. Allowed here: ${allowed.join(', ')}.`,
          this.keyNode(path, k),
        );
    return o;
  }

  /** Returns the version number the file declares (1 when missing, as upstream). */
  version(root: Obj, kind: QnaKind): number {
    const v = root.version;
    if (v === undefined) {
      if (kind === 'knowledge')
        this.add(
          [],
          'error',
          'schema.version',
          'Missing "version: 3". Knowledge needs schema version 3 (Minimum supported version is 3).',
        );
      else
        this.add(
          [],
          'warning',
          'schema.version',
          'Missing "version": upstream reads this as the old version 1. Add "version: 3".',
        );
      return 1;
    }
    if (typeof v !== 'number' || !Number.isInteger(v)) {
      this.add(
        ['version'],
        'error',
        'schema.type',
        `"version" must be a whole number like 3, but it is ${kindWord(v)}.${typeof v === 'string' ? ' Remove the quotes.' : ''}`,
      );
      return QNA_LIMITS.maxVersion;
    }
    if (v > QNA_LIMITS.maxVersion)
      this.add(
        ['version'],
        'error',
        'schema.version',
        `Version ${v} is newer than this LabForge understands (it reads up to ${QNA_LIMITS.maxVersion}).`,
      );
    else if (v < QNA_LIMITS.minVersion) {
      if (kind === 'knowledge')
        this.add(
          ['version'],
          'error',
          'schema.version',
          `Knowledge version ${v} is no longer accepted (Minimum supported version is 3). Set "version: 3" and add "document_outline".`,
        );
      else
        this.add(
          ['version'],
          'warning',
          'schema.version',
          `Version ${v} is an old format that still works for skills; "version: 3" is current.`,
        );
    }
    return v;
  }

  knowledge(root: Obj): void {
    const r = this.obj(root, [], KNOWLEDGE_KEYS);
    if (!r) return;
    this.version(r, 'knowledge');
    this.str(r, 'created_by', []);
    this.str(r, 'domain', []);
    this.str(r, 'document_outline', []);
    const seeds = this.list(r, 'seed_examples', [], QNA_LIMITS.minSeedExamples, 'seed examples');
    seeds?.forEach((s, i) => {
      const base: Path = ['seed_examples', i];
      const seed = this.obj(s, base, KNOWLEDGE_SEED_KEYS);
      if (!seed) return;
      const ctx = this.str(seed, 'context', base);
      if (ctx !== null && words(ctx) > QNA_LIMITS.maxContextWords)
        this.add(
          [...base, 'context'],
          'warning',
          'limit.context-words',
          `This context has ${words(ctx)} words; keep it under ${QNA_LIMITS.maxContextWords} so the teacher model can use it.`,
        );
      const pairs = this.list(seed, 'questions_and_answers', base, QNA_LIMITS.minQnaPairs, 'question-and-answer pairs');
      let qnaWords = 0;
      pairs?.forEach((p, j) => {
        const pb: Path = [...base, 'questions_and_answers', j];
        const pair = this.obj(p, pb, QNA_PAIR_KEYS);
        if (!pair) return;
        qnaWords += words(this.str(pair, 'question', pb) ?? '') + words(this.str(pair, 'answer', pb) ?? '');
      });
      if (pairs && pairs.length > QNA_LIMITS.usedQnaPairs)
        this.add(
          [...base, 'questions_and_answers', QNA_LIMITS.usedQnaPairs],
          'info',
          'limit.used-pairs',
          `Synthetic data generation uses only the first ${QNA_LIMITS.usedQnaPairs} pairs of each context; this one and the ones after it are ignored.`,
        );
      if (qnaWords > QNA_LIMITS.maxSeedQnaWords)
        this.add(
          [...base, 'questions_and_answers'],
          'warning',
          'limit.qna-words',
          `The questions and answers of this seed have ${qnaWords} words together; keep them under ${QNA_LIMITS.maxSeedQnaWords}.`,
        );
    });
    if (r.document !== undefined) {
      const d = this.obj(r.document, ['document'], DOCUMENT_KEYS);
      if (d) {
        this.str(d, 'repo', ['document']);
        const c = this.str(d, 'commit', ['document']);
        if (c && !/^[0-9a-f]{7,40}$/i.test(c.trim()))
          this.add(
            ['document', 'commit'],
            'warning',
            'schema.commit',
            `"document.commit" should be a git commit id (7 to 40 hex digits), not "${c.slice(0, 40)}".`,
          );
        const pats = this.list(d, 'patterns', ['document'], 1, 'file patterns (like "*.md")');
        pats?.forEach((p, i) => {
          if (typeof p !== 'string' || p === '')
            this.add(
              ['document', 'patterns', i],
              'error',
              'schema.type',
              `Each pattern must be non-empty text like "*.md".`,
            );
          else if (/\.[A-Za-z0-9]+$/.test(p) && !/\.(md|pdf)$/i.test(p))
            this.add(
              ['document', 'patterns', i],
              'error',
              'schema.document-type',
              `"${p}" is not a Markdown (.md) or PDF file: InstructLab reads only those (Unsupported file format for knowledge docs).`,
            );
        });
      }
    } else
      this.add(
        [],
        'error',
        'schema.required',
        'Missing "document": knowledge needs the source document (repo, commit, patterns). Use "Add document" to fill it in.',
      );
  }

  skill(root: Obj): void {
    const r = this.obj(root, [], SKILL_KEYS);
    if (!r) return;
    this.version(r, 'compositional_skill');
    this.str(r, 'created_by', []);
    this.str(r, 'task_description', []);
    const seeds = this.list(r, 'seed_examples', [], QNA_LIMITS.minSeedExamples, 'seed examples');
    let total = 0;
    seeds?.forEach((s, i) => {
      const base: Path = ['seed_examples', i];
      const seed = this.obj(s, base, SKILL_SEED_KEYS);
      if (!seed) return;
      const q = this.str(seed, 'question', base) ?? '';
      const a = this.str(seed, 'answer', base) ?? '';
      const c = this.str(seed, 'context', base, false) ?? '';
      total += words(q) + words(a) + words(c);
      if (q.trim().length > QNA_LIMITS.maxSkillQuestionChars)
        this.add(
          [...base, 'question'],
          'info',
          'limit.question-chars',
          `Short questions work best: this one has ${q.trim().length} characters (aim for ${QNA_LIMITS.maxSkillQuestionChars} or fewer).`,
        );
      if (a && a.trim().length < QNA_LIMITS.minSkillAnswerChars)
        this.add(
          [...base, 'answer'],
          'info',
          'limit.answer-chars',
          `Answers teach by example: this one has ${a.trim().length} characters (aim for at least ${QNA_LIMITS.minSkillAnswerChars}).`,
        );
    });
    if (total > QNA_LIMITS.maxSkillWords)
      this.add(
        ['seed_examples'],
        'warning',
        'limit.skill-words',
        `The seed examples have ${total} words in total; keep them under about ${QNA_LIMITS.maxSkillWords}.`,
      );
  }
}

/** Words as the taxonomy README counts them (runs of non-space characters). */
export function words(s: string): number {
  const m = s.match(/\S+/g);
  return m ? m.length : 0;
}
