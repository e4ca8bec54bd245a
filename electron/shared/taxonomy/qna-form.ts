import { isMap, isScalar, isSeq, parseDocument, Scalar, YAMLMap, YAMLSeq, type Document, type Node } from 'yaml';
import { QNA_LIMITS } from './types.js';

export interface QnaPairForm {
  question: string;
  answer: string;
}

export interface SeedForm {
  /** Knowledge: the document excerpt. Skills: optional grounding text. */
  context: string;
  /** Skills only. */
  question: string;
  answer: string;
  /** Knowledge only. */
  questions_and_answers: QnaPairForm[];
}

export interface DocumentForm {
  repo: string;
  commit: string;
  patterns: string[];
}

/** A qna.yaml as the form view edits it. Strings are shown without a block scalar's final newline. */
export interface QnaForm {
  kind: 'knowledge' | 'skill';
  version: number;
  created_by: string;
  domain: string;
  task_description: string;
  document_outline: string;
  document: DocumentForm;
  seed_examples: SeedForm[];
}

const str = (v: unknown): string =>
  typeof v === 'string' ? v.replace(/\n$/, '') : v === null || v === undefined ? '' : String(v);
const obj = (v: unknown): Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

export function emptySeed(kind: QnaForm['kind']): SeedForm {
  return {
    context: '',
    question: '',
    answer: '',
    questions_and_answers:
      kind === 'knowledge' ? Array.from({ length: QNA_LIMITS.minQnaPairs }, () => ({ question: '', answer: '' })) : [],
  };
}

/** Reads the form from YAML text; null when the text does not parse (the YAML view shows why). */
export function readForm(text: string, kind: QnaForm['kind']): QnaForm | null {
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) return null;
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: QNA_LIMITS.maxAliasCount });
  } catch {
    return null;
  }
  const r = obj(data);
  const d = obj(r.document);
  return {
    kind,
    version: typeof r.version === 'number' ? r.version : 3,
    created_by: str(r.created_by),
    domain: str(r.domain),
    task_description: str(r.task_description),
    document_outline: str(r.document_outline),
    document: { repo: str(d.repo), commit: str(d.commit), patterns: arr(d.patterns).map(str) },
    seed_examples: arr(r.seed_examples).map((s) => {
      const seed = obj(s);
      return {
        context: str(seed.context),
        question: str(seed.question),
        answer: str(seed.answer),
        questions_and_answers: arr(seed.questions_and_answers).map((p) => ({
          question: str(obj(p).question),
          answer: str(obj(p).answer),
        })),
      };
    }),
  };
}

/** Upstream style: multi-line text and long text as `|` blocks, keeping the final newline. */
function scalarFor(value: string, blockKey: boolean): Scalar {
  if (value.includes('\n') || (blockKey && value !== '')) {
    const s = new Scalar(`${value}\n`);
    s.type = Scalar.BLOCK_LITERAL;
    return s;
  }
  return new Scalar(value);
}

const BLOCK_KEYS = new Set(['context', 'question', 'answer', 'document_outline', 'task_description']);

/** Sets a string at `key` of `map`, editing the existing node in place so comments and styles stay. */
function setStr(doc: Document, map: YAMLMap, key: string, value: string, opts: { dropEmpty?: boolean } = {}): void {
  const node = map.get(key, true) as Node | undefined;
  if (value === '' && opts.dropEmpty) {
    if (node !== undefined) map.delete(key);
    return;
  }
  if (isScalar(node)) {
    if (str(node.value) === value && (typeof node.value === 'string' || value === '')) return;
    const block = node.type === Scalar.BLOCK_LITERAL || node.type === Scalar.BLOCK_FOLDED;
    if (block || value.includes('\n')) {
      node.value = value === '' ? '' : `${value}\n`;
      if (value === '') node.type = Scalar.QUOTE_DOUBLE;
      else if (!block) node.type = Scalar.BLOCK_LITERAL;
    } else node.value = value;
    return;
  }
  map.set(doc.createNode(key), scalarFor(value, BLOCK_KEYS.has(key) && value.length > 60));
}

function ensureMap(doc: Document, parent: YAMLMap, key: string): YAMLMap {
  const n = parent.get(key, true);
  if (isMap(n)) return n;
  const m = new YAMLMap();
  parent.set(doc.createNode(key), m);
  return m;
}

function ensureSeq(doc: Document, parent: YAMLMap, key: string): YAMLSeq {
  const n = parent.get(key, true);
  if (isSeq(n)) return n;
  const s = new YAMLSeq();
  parent.set(doc.createNode(key), s);
  return s;
}

/** Makes `seq` hold exactly `n` mappings, keeping existing items (and their comments). */
function resizeMaps(seq: YAMLSeq, n: number): YAMLMap[] {
  seq.items.splice(n);
  while (seq.items.length < n) seq.items.push(new YAMLMap());
  return seq.items.map((it, i) => {
    if (isMap(it)) return it;
    const m = new YAMLMap();
    seq.items[i] = m;
    return m;
  });
}

function setStrList(doc: Document, parent: YAMLMap, key: string, values: string[]): void {
  const seq = ensureSeq(doc, parent, key);
  seq.items.splice(values.length);
  values.forEach((v, i) => {
    const it = seq.items[i];
    if (isScalar(it)) {
      if (it.value !== v) it.value = v;
    } else seq.items[i] = new Scalar(v);
  });
}

/**
 * Writes `form` into `text` through the yaml Document API: comments, key order and scalar styles
 * of everything the form did not change survive. Returns `text` untouched when nothing changed.
 */
export function applyForm(text: string, form: QnaForm): string {
  const before = readForm(text, form.kind);
  if (before && JSON.stringify(before) === JSON.stringify(form)) return text;
  const doc = parseDocument<Node>(text, { uniqueKeys: true });
  if (doc.errors.length > 0) throw new Error('The YAML has syntax errors; fix them in the YAML view first.');
  const root = isMap(doc.contents) ? doc.contents : new YAMLMap();
  doc.contents = root;
  const v = root.get('version', true);
  if (!isScalar(v) || v.value !== form.version) root.set(doc.createNode('version'), new Scalar(form.version));
  if (form.kind === 'knowledge') {
    setStr(doc, root, 'created_by', form.created_by);
    setStr(doc, root, 'domain', form.domain);
  } else {
    setStr(doc, root, 'created_by', form.created_by);
    setStr(doc, root, 'task_description', form.task_description);
  }
  const seeds = resizeMaps(ensureSeq(doc, root, 'seed_examples'), form.seed_examples.length);
  form.seed_examples.forEach((s, i) => {
    const m = seeds[i]!;
    if (form.kind === 'knowledge') {
      setStr(doc, m, 'context', s.context);
      const pairs = resizeMaps(ensureSeq(doc, m, 'questions_and_answers'), s.questions_and_answers.length);
      s.questions_and_answers.forEach((p, j) => {
        setStr(doc, pairs[j]!, 'question', p.question);
        setStr(doc, pairs[j]!, 'answer', p.answer);
      });
    } else {
      setStr(doc, m, 'context', s.context, { dropEmpty: true });
      setStr(doc, m, 'question', s.question);
      setStr(doc, m, 'answer', s.answer);
    }
  });
  if (form.kind === 'knowledge') {
    setStr(doc, root, 'document_outline', form.document_outline);
    const d = ensureMap(doc, root, 'document');
    setStr(doc, d, 'repo', form.document.repo);
    setStr(doc, d, 'commit', form.document.commit);
    setStrList(doc, d, 'patterns', form.document.patterns);
  }
  return doc.toString({ lineWidth: 0, indentSeq: !/^(\s*)[\w-]+:[ \t]*\n\1- /m.test(text) });
}

/** A new qna.yaml for the wizards, in upstream's key order, with empty seeds to fill in. */
export function newQnaText(form: Partial<QnaForm> & { kind: QnaForm['kind'] }): string {
  const kind = form.kind;
  const full: QnaForm = {
    kind,
    version: 3,
    created_by: form.created_by ?? '',
    domain: form.domain ?? '',
    task_description: form.task_description ?? '',
    document_outline: form.document_outline ?? '',
    document: form.document ?? { repo: '', commit: '', patterns: [] },
    seed_examples: form.seed_examples ?? Array.from({ length: QNA_LIMITS.minSeedExamples }, () => emptySeed(kind)),
  };
  return applyForm('', full).replace(/^\{\}\n?/, '');
}
