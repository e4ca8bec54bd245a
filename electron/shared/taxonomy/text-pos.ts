import { isScalar, LineCounter, visit, type Document } from 'yaml';

/** 1-based line/column of a character offset. */
export function posOf(lc: LineCounter, offset: number): { line: number; column: number } {
  const p = lc.linePos(offset);
  return { line: p.line, column: p.col };
}

/**
 * Lines (1-based) that hold the body of a block scalar (`|` / `>`): line-shape rules such as
 * blank-line limits do not apply there, because those lines are the string's content.
 */
export function blockScalarLines(doc: Document, lc: LineCounter): Set<number> {
  const lines = new Set<number>();
  visit(doc, {
    Scalar(_k, node) {
      if (!isScalar(node) || !node.range) return;
      if (node.type !== 'BLOCK_LITERAL' && node.type !== 'BLOCK_FOLDED') return;
      const start = lc.linePos(node.range[0]).line;
      const end = lc.linePos(Math.max(node.range[0], node.range[1] - 1)).line;
      for (let l = start + 1; l <= end; l++) lines.add(l);
    },
  });
  return lines;
}
