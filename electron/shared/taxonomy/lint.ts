import { LineCounter, parseDocument } from 'yaml';
import { relaxQuotedIndent } from './pyyaml-compat.js';
import { blockScalarLines } from './text-pos.js';
import { fixTokens } from './tokens.js';
import type { Finding } from './types.js';

/**
 * The line rules of yamllint's `relaxed` profile that `ilab` runs in strict mode (line-length off);
 * the token rules (colons, commas, hyphens, braces, brackets) are in tokens.ts.
 * Cosmetic ones are marked `fixable`: LabForge repairs them on save (see fixCosmetic) instead of
 * failing the way upstream does.
 */
export function lintLines(text: string, file: string, blockLines: Set<number>): Finding[] {
  const out: Finding[] = [];
  const lines = text.split('\n');
  let offset = 0;
  const lineStarts: number[] = [];
  for (const l of lines) {
    lineStarts.push(offset);
    offset += l.length + 1;
  }
  const at = (i: number, col: number, len: number) => ({
    line: i + 1,
    column: col + 1,
    from: lineStarts[i]! + col,
    to: lineStarts[i]! + col + len,
  });
  const add = (i: number, col: number, len: number, rule: string, message: string, fixable: boolean): void => {
    out.push({ file, ...at(i, col, len), severity: fixable ? 'warning' : 'error', rule, message, fixable });
  };

  if (text.includes('\r')) {
    const i = lines.findIndex((l) => l.endsWith('\r'));
    add(
      Math.max(0, i),
      0,
      0,
      'lint.new-lines',
      'Windows line endings (CRLF): LabForge converts them to Unix (LF) when it saves.',
      true,
    );
  }
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.replace(/\r$/, '');
    const trail = /[ \t]+$/.exec(raw);
    if (trail)
      add(
        i,
        trail.index,
        trail[0].length,
        'lint.trailing-spaces',
        'Trailing spaces at the end of the line: LabForge removes them when it saves.',
        true,
      );
  }

  // empty-lines: at most 2 in a row, none at the start, none at the end (yamllint "too many blank lines (1 > 0)").
  const content = text.endsWith('\n') ? lines.slice(0, -1) : lines;
  const blank = (i: number): boolean => content[i]!.trim() === '' && !blockLines.has(i + 1);
  let first = 0;
  while (first < content.length && blank(first)) first++;
  if (first > 0 && first < content.length)
    add(
      0,
      0,
      0,
      'lint.empty-lines',
      `${first} blank line${first > 1 ? 's' : ''} at the start of the file: LabForge removes them when it saves.`,
      true,
    );
  let last = content.length - 1;
  while (last >= 0 && content[last]!.trim() === '') last--;
  if (last >= 0 && last < content.length - 1)
    add(
      last + 1,
      0,
      0,
      'lint.empty-lines',
      'Blank line at the end of the file (upstream rejects it): LabForge removes it when it saves.',
      true,
    );
  // yamllint counts blank lines inside block scalars too and reports the last line of the run. Those
  // cannot be repaired on save (they are the text's own line breaks), so they are errors.
  let run = 0;
  let inBlock = false;
  for (let i = first; i <= last + 1; i++) {
    if (i <= last && content[i]!.trim() === '') {
      run++;
      inBlock ||= blockLines.has(i + 1);
      continue;
    }
    if (run > 2)
      add(
        i - 1,
        0,
        0,
        'lint.empty-lines',
        inBlock
          ? `${run} blank lines in a row inside a text block (| or >): yamllint, which ilab runs, allows at most 2. Remove ${run - 2} (this changes the text).`
          : 'More than 2 blank lines in a row: LabForge keeps 2 when it saves.',
        !inBlock,
      );
    run = 0;
    inBlock = false;
  }
  if (text.length > 0 && !text.endsWith('\n'))
    add(
      lines.length - 1,
      lines[lines.length - 1]!.length,
      0,
      'lint.new-line-at-end-of-file',
      'No newline at the end of the file: LabForge adds one when it saves.',
      true,
    );
  return out;
}

/**
 * Repairs the cosmetic problems upstream's strict lint makes fatal: CRLF, trailing spaces,
 * quoted text continued on a line indented no further than its key (see pyyaml-compat.ts),
 * blank lines at the start or end, more than 2 blank lines in a row (outside block scalars),
 * extra spaces around colons and commas and inside braces and brackets (only when the file
 * parses), and a missing final newline. Never changes a value except for trailing spaces, which
 * upstream rejects even inside block scalars.
 */
export function fixCosmetic(text: string): { text: string; fixes: string[] } {
  const fixes = new Set<string>();
  let t = text;
  if (t.includes('\r')) {
    t = t.replace(/\r\n?/g, '\n');
    fixes.add('converted Windows line endings');
  }
  let lc = new LineCounter();
  let doc = parseDocument(t, { lineCounter: lc });
  if (doc.errors.length > 0) {
    // Quoted text continued on a line indented no further than its key (PyYAML reads it).
    const relaxed = relaxQuotedIndent(t);
    const again = new LineCounter();
    const redoc = relaxed.inserted.size > 0 ? parseDocument(relaxed.text, { lineCounter: again }) : null;
    if (redoc && redoc.errors.length < doc.errors.length) {
      t = relaxed.text;
      lc = again;
      doc = redoc;
      fixes.add('indented quoted text continued under its key');
    }
  }
  if (doc.errors.length === 0) {
    const tok = fixTokens(t);
    if (tok.fixes.length > 0) {
      t = tok.text;
      for (const f of tok.fixes) fixes.add(f);
      lc = new LineCounter();
      doc = parseDocument(t, { lineCounter: lc });
    }
  }
  const blockLines = blockScalarLines(doc, lc);
  const lines = t.split('\n');
  const out: string[] = [];
  let run = 0;
  for (let i = 0; i < lines.length; i++) {
    let l = lines[i]!;
    const trimmed = l.replace(/[ \t]+$/, '');
    if (trimmed !== l) {
      fixes.add('removed trailing spaces');
      l = trimmed;
    }
    if (!blockLines.has(i + 1)) {
      if (l === '') {
        run++;
        if (run > 2 || out.length === 0) {
          if (i < lines.length - 1) fixes.add('removed extra blank lines');
          continue;
        }
      } else run = 0;
    } else run = 0;
    out.push(l);
  }
  while (out.length > 0 && out[out.length - 1] === '') out.pop();
  const result = out.length === 0 ? '' : `${out.join('\n')}\n`;
  if (result !== t && !t.endsWith('\n') && t.length > 0) fixes.add('added a newline at the end');
  if (result !== t && fixes.size === 0) fixes.add('removed blank lines at the end');
  return { text: result, fixes: [...fixes] };
}
