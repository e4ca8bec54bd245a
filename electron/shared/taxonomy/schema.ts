import { isMap, isScalar, type Document, type LineCounter, type Node, type Pair } from 'yaml';
import type { Finding, Severity } from './types.js';

export type Path = Array<string | number>;
export type Obj = Record<string, unknown>;

export const pathText = (p: Path): string =>
  p.reduce<string>((s, k) => (typeof k === 'number' ? `${s}[${k}]` : s ? `${s}.${k}` : k), '');

export const kindWord = (v: unknown): string =>
  v === null || v === undefined
    ? 'empty'
    : v instanceof Date
      ? 'a date (put it in quotes to keep it text)'
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

/**
 * The checks a JSON schema makes (type, required, minLength, minItems, uniqueItems, no extra keys),
 * reported at the line of the YAML node with a message a newcomer understands. The rules of each
 * kind and version are in schema-rules.ts.
 */
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

  keyNode(path: Path, key: string): Node | null {
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

  str(obj: Obj, key: string, base: Path, required = true, allowEmpty = false): string | null {
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
    if (v.length === 0 && allowEmpty) return v;
    if (v.length === 0)
      this.add(path, 'error', 'schema.min-length', `"${pathText(path)}" is empty: write something here.`);
    else if (v.trim() === '') this.add(path, 'warning', 'schema.blank', `"${pathText(path)}" holds only spaces.`);
    return v;
  }

  list(obj: Obj, key: string, base: Path, min: number, what: string, unique = true): unknown[] | null {
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
    if (!unique) return v;
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

  obj(v: unknown, path: Path, allowed: readonly string[]): Obj | null {
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
}

/** Words as the taxonomy README counts them (runs of non-space characters). */
export function words(s: string): number {
  const m = s.match(/\S+/g);
  return m ? m.length : 0;
}
