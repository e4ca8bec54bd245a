import { CST, Lexer } from 'yaml';
import type { Finding } from './types.js';

/**
 * The token rules of yamllint's `relaxed` profile (run strict by `ilab`, so every problem fails):
 *
 * - braces / brackets: `min-spaces-inside: 0`, `max-spaces-inside: 1`; the `-empty` variants are
 *   unset (-1), so `{}` / `{ }` / `[]` / `[ ]` pass and two spaces fail.
 * - colons: `max-spaces-before: 0`, `max-spaces-after: 1`, for every key (plain, quoted, inside
 *   flow mappings, after `- `), and at most 1 space after an explicit-key `?`.
 * - commas: `max-spaces-before: 0`, `min-spaces-after: 1`, `max-spaces-after: 1`; a comma that
 *   starts a line counts as spaces before it.
 * - hyphens: `max-spaces-after: 1`.
 *
 * As in yamllint, spaces are only counted between two tokens on the same line, comments are not
 * tokens, and block scalar bodies are content, not tokens. Columns follow yamllint's report.
 */

interface Tok {
  type: string;
  from: number;
  to: number;
}

/** A span to replace so that a finding goes away; only set where the repair cannot change data. */
export interface TokenFix {
  from: number;
  to: number;
  insert: string;
}

export type TokenFinding = Finding & { fix?: TokenFix };

const ZERO_WIDTH = new Set([CST.DOCUMENT, CST.FLOW_END, CST.SCALAR]);
const SKIP = new Set(['space', 'newline', 'comment']);

function significantTokens(text: string, until: number): Tok[] {
  const out: Tok[] = [];
  let offset = 0;
  let scalarNext = false;
  for (const src of new Lexer().lex(text)) {
    if (ZERO_WIDTH.has(src)) {
      if (src === CST.SCALAR) scalarNext = true;
      continue;
    }
    const from = offset;
    offset += src.length;
    // After the SCALAR marker comes a plain scalar or a block scalar body (which may start with spaces).
    const type = scalarNext ? 'scalar' : (CST.tokenType(src) ?? 'scalar');
    scalarNext = false;
    if (from >= until) break;
    if (type === 'byte-order-mark' || SKIP.has(type)) continue;
    out.push({ type, from, to: offset });
  }
  return out;
}

export function lintTokens(text: string, file: string, until = Number.POSITIVE_INFINITY): TokenFinding[] {
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') lineStarts.push(i + 1);
  const lineOf = (pos: number): number => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid]! <= pos) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  const out: TokenFinding[] = [];
  const add = (rule: string, col0: number, from: number, to: number, message: string, fix?: TokenFix): void => {
    const line = lineOf(from);
    out.push({
      file,
      line: line + 1,
      column: Math.max(1, col0 + 1),
      severity: 'error',
      rule,
      message,
      from,
      to,
      ...(fix ? { fixable: true, fix } : {}),
    });
  };
  const colOf = (pos: number): number => pos - lineStarts[lineOf(pos)]!;
  const sameLine = (a: number, b: number): boolean => !text.slice(a, b).includes('\n');

  const toks = significantTokens(text, until);
  /** Spaces between `a` and `b` when both are on one line, else null. */
  const gap = (a: Tok | undefined, b: Tok | undefined): number | null =>
    a && b && sameLine(a.to, b.from) ? b.from - a.to : null;
  const tooManyAfter = (t: Tok, next: Tok, rule: string, message: string, keep: number, fixable: boolean): void =>
    add(
      rule,
      colOf(next.from) - 1,
      t.to,
      next.from,
      message,
      fixable ? { from: t.to, to: next.from, insert: ' '.repeat(keep) } : undefined,
    );
  const tooManyBefore = (prev: Tok, t: Tok, rule: string, message: string, keep: number, fixable: boolean): void =>
    add(
      rule,
      colOf(t.from) - 1,
      prev.to,
      t.from,
      message,
      fixable ? { from: prev.to, to: t.from, insert: ' '.repeat(keep) } : undefined,
    );

  // Indentation inside flow collections that span lines (yamllint `indentation`): items continue at
  // the column of the first item when it sits on the opening line, else deeper than that line;
  // the closing bracket goes back to the indentation of the line that opened the collection.
  const lineIndent = (pos: number): number => /^ */.exec(text.slice(lineStarts[lineOf(pos)]))![0].length;
  const flow: Array<{ lineIndent: number; itemCol: number | null }> = [];
  const indentFinding = (t: Tok, message: string): void =>
    add('lint.indentation', colOf(t.from), t.from, t.from, message);

  for (let i = 0; i < toks.length; i++) {
    const t = toks[i]!;
    const startsLine = i > 0 && !sameLine(toks[i - 1]!.to, t.from);
    const top = flow[flow.length - 1];
    if (top && startsLine) {
      const found = colOf(t.from);
      if (t.type === 'flow-map-end' || t.type === 'flow-seq-end') {
        if (found !== top.lineIndent)
          indentFinding(
            t,
            `Wrong indentation: this closing bracket must line up with the line that opened it (column ${top.lineIndent + 1}), found column ${found + 1}.`,
          );
      } else if (top.itemCol !== null && found !== top.itemCol) {
        indentFinding(
          t,
          `Wrong indentation: continue this list or mapping at column ${top.itemCol + 1}, under its first item; found column ${found + 1}.`,
        );
      } else if (top.itemCol === null && found <= top.lineIndent) {
        indentFinding(
          t,
          'Wrong indentation: the items of a list or mapping in brackets must be indented further than the line that opened it.',
        );
      }
    }
    if (t.type === 'flow-map-start' || t.type === 'flow-seq-start') {
      const nx = toks[i + 1];
      flow.push({
        lineIndent: lineIndent(t.from),
        itemCol: nx && sameLine(t.to, nx.from) && !/-end$/.test(nx.type) ? colOf(nx.from) : null,
      });
    } else if ((t.type === 'flow-map-end' || t.type === 'flow-seq-end') && flow.length > 0) flow.pop();

    const prev = toks[i - 1];
    const next = toks[i + 1];
    const after = gap(t, next);
    const before = gap(prev, t);
    switch (t.type) {
      case 'map-value-ind': {
        // `*anchor : value` needs the space (otherwise the colon would belong to the alias name).
        const aliasSpace = prev?.type === 'alias' && before === 1;
        if (before !== null && before > 0 && !aliasSpace)
          tooManyBefore(
            prev!,
            t,
            'lint.colons',
            'Space before a colon: write "key: value" with the colon right after the key.',
            0,
            true,
          );
        if (after !== null && after > 1)
          tooManyAfter(
            t,
            next!,
            'lint.colons',
            `${after} spaces after a colon: use exactly one ("key: value").`,
            1,
            true,
          );
        break;
      }
      case 'explicit-key-ind':
        if (after !== null && after > 1)
          tooManyAfter(t, next!, 'lint.colons', `${after} spaces after "?": use exactly one ("? key").`, 1, false);
        break;
      case 'seq-item-ind':
        if (after !== null && after > 1)
          tooManyAfter(t, next!, 'lint.hyphens', `${after} spaces after "-": use exactly one ("- item").`, 1, false);
        break;
      case 'comma':
        if (prev && !sameLine(prev.to, t.from))
          add(
            'lint.commas',
            Math.max(1, colOf(t.from)) - 1,
            t.from,
            t.to,
            "A comma at the start of a line: put it right after the previous item, on that item's line.",
          );
        else if (before !== null && before > 0)
          tooManyBefore(
            prev!,
            t,
            'lint.commas',
            'Space before a comma: write "a, b" with the comma right after the item.',
            0,
            true,
          );
        if (after !== null && after > 1)
          tooManyAfter(t, next!, 'lint.commas', `${after} spaces after a comma: use exactly one ("a, b").`, 1, true);
        else if (after !== null && after < 1)
          add(
            'lint.commas',
            colOf(next!.from),
            t.from,
            t.to + 1,
            'No space after a comma: write "a, b" with one space after the comma.',
            { from: t.to, to: t.to, insert: ' ' },
          );
        break;
      case 'flow-map-start':
      case 'flow-seq-start': {
        const [rule, what] =
          t.type === 'flow-map-start' ? ['lint.braces', 'braces "{ }"'] : ['lint.brackets', 'brackets "[ ]"'];
        if (after !== null && after > 1)
          tooManyAfter(t, next!, rule, `${after} spaces inside ${what}: use at most one.`, 1, true);
        break;
      }
      case 'flow-map-end':
      case 'flow-seq-end': {
        const [rule, what, open] =
          t.type === 'flow-map-end'
            ? ['lint.braces', 'braces "{ }"', 'flow-map-start']
            : ['lint.brackets', 'brackets "[ ]"', 'flow-seq-start'];
        // An empty `{  }` is reported once, at the opening one.
        if (prev?.type !== open && before !== null && before > 1)
          tooManyBefore(prev!, t, rule, `${before} spaces inside ${what}: use at most one.`, 1, true);
        break;
      }
    }
  }
  return out;
}

/** Applies the safe repairs of lintTokens (spaces around colons, commas, braces and brackets). */
export function fixTokens(text: string): { text: string; fixes: string[] } {
  const found = lintTokens(text, '').filter((f) => f.fix);
  if (found.length === 0) return { text, fixes: [] };
  const names: Record<string, string> = {
    'lint.colons': 'fixed spaces around colons',
    'lint.commas': 'fixed spaces around commas',
    'lint.braces': 'fixed spaces inside braces',
    'lint.brackets': 'fixed spaces inside brackets',
  };
  const edits = found.map((f) => f.fix!).sort((a, b) => b.from - a.from);
  let t = text;
  let last = Number.POSITIVE_INFINITY;
  for (const e of edits) {
    if (e.to > last) continue; // overlapping repairs: the next save finishes the job
    t = t.slice(0, e.from) + e.insert + t.slice(e.to);
    last = e.from;
  }
  return { text: t, fixes: [...new Set(found.map((f) => names[f.rule] ?? 'fixed spaces'))] };
}
