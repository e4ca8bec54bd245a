import { LineCounter, parseDocument, type Document, type YAMLError } from 'yaml';
import { flowQuestionMarks, PYYAML_SCHEMA, relaxQuotedIndent, toOriginal, type RelaxedText } from './pyyaml-compat.js';
import type { Finding } from './types.js';

const yamlMessages: Record<string, string> = {
  DUPLICATE_KEY: 'This key appears twice in the same block; keep only one of them.',
  TAB_AS_INDENT: 'A tab is used for indentation: YAML allows only spaces here.',
  BAD_INDENT: 'The indentation here does not line up with the lines above it.',
  MISSING_CHAR: 'Something is missing here (often a closing quote or bracket).',
  MULTILINE_IMPLICIT_KEY: 'A key cannot span several lines: is a colon or an indent missing on the line above?',
  UNEXPECTED_TOKEN: 'YAML did not expect this here.',
  BLOCK_AS_IMPLICIT_KEY: 'A nested block cannot be used as a key: check the indentation.',
  MULTIPLE_DOCS: 'A qna.yaml holds one document: remove the extra "---".',
};

function yamlFinding(e: YAMLError, lc: LineCounter, file: string): Finding {
  const p = lc.linePos(e.pos[0]);
  const first = e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
  const plain = yamlMessages[e.code];
  return {
    file,
    line: p.line,
    column: p.col,
    severity: 'error',
    rule: `yaml.${e.code.toLowerCase().replace(/_/g, '-')}`,
    message: plain ? `${plain} (${first})` : `YAML syntax error: ${first}`,
    from: e.pos[0],
    to: Math.max(e.pos[0], e.pos[1]),
  };
}

export interface ParsedQna {
  doc: Document;
  /** Line counter of `text` (the text the document was parsed from; same lines as the original). */
  lc: LineCounter;
  /** The text that was parsed: the original, or the original with quoted scalars relaxed. */
  text: string;
  /** Syntax errors (duplicate keys apart: yamllint's rule, not PyYAML's, see `duplicateKeys`). */
  errors: Finding[];
  duplicateKeys: Finding[];
  /** Warnings for what only PyYAML accepts, at the original line. */
  compat: Finding[];
  /** Moves a finding computed on `text` to the same place in the original text. */
  toOriginal: (f: Finding) => Finding;
}

function parseText(text: string): { doc: Document; lc: LineCounter } {
  const lc = new LineCounter();
  const doc = parseDocument(text, { ...PYYAML_SCHEMA, lineCounter: lc, uniqueKeys: true, prettyErrors: false });
  return { doc, lc };
}

/**
 * Parses a qna.yaml the way PyYAML reads it (see pyyaml-compat.ts), with positions exact in the
 * original text. When the strict parse fails only because a quoted scalar continues on a line
 * indented no further than its key, the relaxed parse is used and each such line gets a fixable
 * warning (LabForge indents it on save).
 */
export function parseQna(original: string, file: string): ParsedQna {
  let { doc, lc } = parseText(original);
  let text = original;
  let relaxed: RelaxedText | null = null;
  if (doc.errors.some((e) => e.code !== 'DUPLICATE_KEY')) {
    const r = relaxQuotedIndent(original);
    if (r.inserted.size > 0) {
      const again = parseText(r.text);
      if (again.doc.errors.length < doc.errors.length) {
        ({ doc, lc } = again);
        text = r.text;
        relaxed = r;
      }
    }
  }
  const origLc = new LineCounter();
  if (relaxed) {
    let at = 0;
    for (const l of original.split('\n')) {
      origLc.addNewLine(at);
      at += l.length + 1;
    }
  }
  const back = relaxed ? toOriginal(relaxed, original) : null;
  const move = (f: Finding): Finding => {
    if (!back || !relaxed) return f;
    const shift = relaxed.inserted.get(f.line - 1) ?? 0;
    const g: Finding = { ...f, column: Math.max(1, f.column - shift) };
    if (f.from !== undefined) g.from = back(f.from);
    if (f.to !== undefined) g.to = back(f.to);
    return g;
  };
  const all = doc.errors.map((e) => move(yamlFinding(e, lc, file)));
  // What PyYAML's safe_load cannot read although the `yaml` library can: the file fails in ilab.
  const at = (pos: number, rule: string, message: string): Finding => {
    const p = lc.linePos(pos);
    return move({ file, line: p.line, column: p.col, severity: 'error', rule, message, from: pos, to: pos + 1 });
  };
  for (const w of doc.warnings)
    if (w.code === 'TAG_RESOLVE_FAILED')
      all.push(
        at(
          w.pos[0],
          'yaml.pyyaml-tag',
          `ilab reads qna.yaml with PyYAML's safe_load, which refuses this tag (${w.message.split('\n')[0]}). Remove the tag.`,
        ),
      );
  if (all.length === 0)
    for (const pos of flowQuestionMarks(text))
      all.push(
        at(
          pos,
          'yaml.pyyaml-flow',
          'ilab reads qna.yaml with PyYAML, which cannot read a "?" in an unquoted value inside [...] or {...}. Put the value in quotes.',
        ),
      );
  const compat: Finding[] = (relaxed?.repairedLines ?? []).map(({ line, scalarLine }) => ({
    file,
    line,
    column: 1,
    severity: 'warning',
    rule: 'yaml.quoted-indent',
    message: `This line continues the quoted text that starts on line ${scalarLine}, but it is indented no further than that text's key. ilab (PyYAML) reads it; strict YAML parsers do not. LabForge indents it when it saves.`,
    fixable: true,
    from: origLc.lineStarts[line - 1],
    to: origLc.lineStarts[line - 1],
  }));
  return {
    doc,
    lc,
    text,
    errors: all.filter((f) => f.rule !== 'yaml.duplicate-key'),
    duplicateKeys: all.filter((f) => f.rule === 'yaml.duplicate-key'),
    compat,
    toOriginal: move,
  };
}
