import { isMap, isPair, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';
import type { Finding } from './types.js';

/**
 * yamllint's `indentation` rule as `relaxed` sets it: one indent width for the whole file
 * (`spaces: consistent`) and lists under a key either always indented or never
 * (`indent-sequences: consistent`), and the top level at column 0. Block scalar bodies are not
 * checked; lines inside a flow collection (`[...]`, `{...}`) are checked in tokens.ts.
 */
export function checkIndentation(doc: Document, lc: LineCounter, file: string, hasBom = false): Finding[] {
  const out: Finding[] = [];
  let step: number | null = null;
  let seqIndented: boolean | null = null;
  // A byte-order mark is not a column (yamllint does not count it).
  const bom = hasBom ? 1 : 0;
  const col = (n: Node): number => {
    const p = lc.linePos(n.range![0]);
    return p.col - 1 - (p.line === 1 ? bom : 0);
  };
  const line = (n: Node): number => lc.linePos(n.range![0]).line;
  const flag = (n: Node, message: string): void => {
    const p = lc.linePos(n.range![0]);
    out.push({
      file,
      line: p.line,
      column: p.col,
      severity: 'error',
      rule: 'lint.indentation',
      message,
      from: n.range![0],
      to: n.range![0],
    });
  };

  const walk = (node: unknown): void => {
    if (isMap(node) && !node.flow) {
      for (const pair of node.items) {
        if (!isPair(pair) || !isScalar(pair.key) || !pair.key.range) continue;
        const v = pair.value;
        if ((isMap(v) || isSeq(v)) && !v.flow && v.range && v.items.length > 0 && line(v) > line(pair.key)) {
          const delta = col(v) - col(pair.key);
          if (isSeq(v) && delta === 0) {
            if (seqIndented === true)
              flag(
                v,
                'Wrong indentation: the other lists in this file are indented under their key; indent this one the same way.',
              );
            seqIndented ??= false;
          } else if (delta <= 0) {
            flag(v, `Wrong indentation: this must be indented further than "${String(pair.key.value)}".`);
          } else {
            if (step === null) step = delta;
            else if (delta !== step)
              flag(
                v,
                `Wrong indentation: expected ${step} spaces more than "${String(pair.key.value)}" (as in the rest of the file), found ${delta}.`,
              );
            if (isSeq(v)) {
              if (seqIndented === false)
                flag(
                  v,
                  'Wrong indentation: the other lists in this file start at the same column as their key; do the same here.',
                );
              seqIndented ??= true;
            }
          }
        }
        walk(v);
      }
    } else if (isSeq(node) && !node.flow) {
      for (const item of node.items) walk(item);
    }
  };
  // yamllint expects the top-level block collection at column 0.
  const root = doc.contents;
  if ((isMap(root) || isSeq(root)) && !root.flow && root.range && col(root) !== 0)
    flag(
      root,
      `Wrong indentation: the top level must start at the first column (found ${col(root)} space${col(root) === 1 ? '' : 's'} before it).`,
    );
  walk(root);
  return out;
}
