import { Parser, type ParseOptions, type DocumentOptions, type SchemaOptions } from 'yaml';

/**
 * What PyYAML's `safe_load` (which `ilab` reads qna.yaml with) accepts and the `yaml` library
 * refuses or reads differently, made to agree:
 *
 * - A quoted scalar whose continuation line is indented no further than its key (upstream
 *   `compositional_skills/writing/freeform/emoji/qna.yaml`): PyYAML does not check the indentation
 *   inside quotes, YAML 1.2 parsers do. `relaxQuotedIndent` indents such lines just enough; that
 *   cannot change the value (a quoted scalar folds its line breaks and drops leading spaces), and
 *   only inserts spaces at line starts, so every line number stays the same and `toOriginal` maps
 *   a column or offset back exactly.
 * - Scalar types of YAML 1.1 as PyYAML resolves them (`yes`/`no`/`on`/`off` are booleans, dates
 *   are dates, `0777` is octal): `PYYAML_SCHEMA` below.
 */
export interface RelaxedText {
  text: string;
  /** 0-based line -> spaces inserted at its start. */
  inserted: Map<number, number>;
  /** 1-based line where a repaired quoted scalar starts, for each repaired line (1-based). */
  repairedLines: Array<{ line: number; scalarLine: number }>;
}

const QUOTED = new Set(['double-quoted-scalar', 'single-quoted-scalar']);

interface QuotedToken {
  type: string;
  offset: number;
  indent: number;
  source: string;
}

const isQuoted = (t: Record<string, unknown>): t is Record<string, unknown> & QuotedToken =>
  typeof t.type === 'string' &&
  QUOTED.has(t.type) &&
  typeof t.offset === 'number' &&
  typeof t.indent === 'number' &&
  typeof t.source === 'string';

function quotedTokens(node: unknown, out: QuotedToken[], inFlow = false): void {
  if (Array.isArray(node)) {
    for (const n of node) quotedTokens(n, out, inFlow);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const t = node as Record<string, unknown>;
  if (isQuoted(t) && !inFlow) out.push(t);
  const flow = inFlow || t.type === 'flow-collection';
  for (const [k, v] of Object.entries(t)) if (k !== 'source' && typeof v === 'object') quotedTokens(v, out, flow);
}

/** Offset of the closing quote as PyYAML scans it (escapes `\"` and `''`), or -1 when there is none. */
function closingQuote(text: string, open: number): number {
  const q = text[open];
  for (let i = open + 1; i < text.length; i++) {
    const ch = text[i];
    if (q === '"' && ch === '\\') i++;
    else if (ch === q) {
      if (q === "'" && text[i + 1] === "'") i++;
      else return i;
    }
  }
  return -1;
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') starts.push(i + 1);
  return starts;
}

/** Indents the under-indented continuation lines of block-context quoted scalars (see above). */
export function relaxQuotedIndent(text: string): RelaxedText {
  const inserted = new Map<number, number>();
  const repairedLines: RelaxedText['repairedLines'] = [];
  let cur = text;
  // A misread scalar can hide the next one, so repeat until nothing changes (bounded).
  for (let round = 0; round < 20; round++) {
    const tokens: QuotedToken[] = [];
    quotedTokens([...new Parser().parse(cur)], tokens);
    const starts = lineStarts(cur);
    const lineOf = (pos: number): number => {
      let lo = 0;
      let hi = starts.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (starts[mid]! <= pos) lo = mid;
        else hi = mid - 1;
      }
      return lo;
    };
    const add = new Map<number, number>();
    for (const tok of tokens) {
      const end = closingQuote(cur, tok.offset);
      // Unclosed, or closed where the `yaml` library also closes it: nothing to relax.
      if (end < 0 || end < tok.offset + tok.source.length) continue;
      const first = lineOf(tok.offset);
      const last = lineOf(end);
      for (let l = first + 1; l <= last; l++) {
        const s = starts[l]!;
        const lineEnd = l + 1 < starts.length ? starts[l + 1]! - 1 : cur.length;
        const body = cur.slice(s, lineEnd);
        const spaces = /^ */.exec(body)![0].length;
        if (spaces === body.replace(/\r$/, '').length) continue; // blank line: a line break in the value
        if (/^(---|\.\.\.)(\s|$)/.test(body)) continue; // a document marker: PyYAML refuses it too
        const need = tok.indent + 1 - spaces;
        if (need > 0) {
          add.set(l, Math.max(add.get(l) ?? 0, need));
          repairedLines.push({ line: l + 1, scalarLine: first + 1 });
        }
      }
    }
    if (add.size === 0) break;
    const lines = cur.split('\n');
    for (const [l, n] of add) {
      lines[l] = ' '.repeat(n) + lines[l]!;
      inserted.set(l, (inserted.get(l) ?? 0) + n);
    }
    cur = lines.join('\n');
  }
  return { text: cur, inserted, repairedLines };
}

/** Maps an offset in `relaxed.text` back to the same character in the original text. */
export function toOriginal(relaxed: RelaxedText, original: string): (offset: number) => number {
  if (relaxed.inserted.size === 0) return (o) => o;
  const rs = lineStarts(relaxed.text);
  const os = lineStarts(original);
  return (o: number): number => {
    let lo = 0;
    let hi = rs.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (rs[mid]! <= o) lo = mid;
      else hi = mid - 1;
    }
    const col = o - rs[lo]!;
    return os[lo]! + Math.max(0, col - (relaxed.inserted.get(lo) ?? 0));
  };
}

// PyYAML's SafeLoader resolvers (YAML 1.1, with PyYAML's own regular expressions: `1.5e3` is
// text there, `y` is text, `0777` is octal, `1:20` is sexagesimal).
const SEXAGESIMAL = (s: string): number =>
  s.split(':').reduce((acc, part) => acc * 60 + Number.parseFloat(part), 0) * (s.startsWith('-') ? -1 : 1);
const unsigned = (s: string): string => s.replace(/_/g, '').replace(/^[-+]/, '');
const sign = (s: string): number => (s.startsWith('-') ? -1 : 1);

function pyInt(src: string): number {
  const s = unsigned(src);
  if (s.includes(':')) return sign(src) * Math.abs(SEXAGESIMAL(s));
  if (s.startsWith('0b')) return sign(src) * Number.parseInt(s.slice(2), 2);
  if (s.startsWith('0x')) return sign(src) * Number.parseInt(s.slice(2), 16);
  if (s.length > 1 && s.startsWith('0')) return sign(src) * Number.parseInt(s, 8);
  return sign(src) * Number.parseInt(s, 10);
}

function pyFloat(src: string): number {
  const s = unsigned(src).toLowerCase();
  if (s === '.nan') return Number.NaN;
  if (s === '.inf') return sign(src) * Number.POSITIVE_INFINITY;
  if (s.includes(':')) return sign(src) * Math.abs(SEXAGESIMAL(s));
  return sign(src) * Number.parseFloat(s);
}

// For reading only: `identify` never claims a value, so documents parsed with these are not stringified.
const scalar = (tag: string, test: RegExp, resolve: (s: string) => unknown) => ({
  identify: () => false,
  default: true,
  tag: `tag:yaml.org,2002:${tag}`,
  test,
  resolve,
});

const PYYAML_SCALARS = [
  scalar('bool', /^(?:yes|Yes|YES|true|True|TRUE|on|On|ON)$/, () => true),
  scalar('bool', /^(?:no|No|NO|false|False|FALSE|off|Off|OFF)$/, () => false),
  scalar('null', /^(?:~|null|Null|NULL|)$/, () => null),
  scalar(
    'int',
    /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/,
    pyInt,
  ),
  scalar(
    'float',
    /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/,
    pyFloat,
  ),
  scalar(
    'timestamp',
    /^(?:[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)$/,
    (s) => new Date(s.replace(/[ \t]+/, 'T')),
  ),
];
const REPLACED = new Set(['bool', 'null', 'int', 'float', 'timestamp'].map((t) => `tag:yaml.org,2002:${t}`));

/** Parse options that resolve scalars the way PyYAML's `safe_load` does. */
export const PYYAML_SCHEMA: ParseOptions & DocumentOptions & SchemaOptions = {
  schema: 'yaml-1.1',
  customTags: (tags) => [...PYYAML_SCALARS, ...tags.filter((t) => typeof t === 'string' || !REPLACED.has(t.tag))],
};

/**
 * Offsets of plain scalars inside `[...]` / `{...}` that contain a `?`: PyYAML ends a plain scalar
 * there in flow context and then fails ("expected ',' or '}'"), where YAML 1.2 reads on.
 */
export function flowQuestionMarks(text: string): number[] {
  const out: number[] = [];
  // Only files with a flow collection (a value or item starting with [ or {) need the token walk.
  if (!text.includes('?') || !/(^|[:-]|,)[ \t]*[[{]/m.test(text)) return out;
  const walk = (node: unknown, inFlow: boolean): void => {
    if (Array.isArray(node)) {
      for (const n of node) walk(n, inFlow);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    const t = node as { type?: unknown; source?: unknown; offset?: unknown };
    if (inFlow && t.type === 'scalar' && typeof t.source === 'string' && typeof t.offset === 'number') {
      const i = t.source.indexOf('?');
      if (i >= 0) out.push(t.offset + i);
    }
    const flow = inFlow || t.type === 'flow-collection';
    for (const [k, v] of Object.entries(node)) if (k !== 'source' && typeof v === 'object') walk(v, flow);
  };
  walk([...new Parser().parse(text)], false);
  return out;
}
