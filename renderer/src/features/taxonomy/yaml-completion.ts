import type { CompletionContext, CompletionResult } from '@codemirror/autocomplete';
import { KEY_DOCS, type KeyDoc } from '../../../../electron/shared/taxonomy';

const indentOf = (line: string): number => /^(\s*)(- )?/.exec(line)![0].length;

/** The key of the block the cursor sits in, found by walking up to a less indented `key:` line. */
function parentKey(lines: string[], at: number, indent: number): string | null {
  for (let i = at - 1; i >= 0; i--) {
    const l = lines[i]!;
    if (l.trim() === '' || l.trim().startsWith('#')) continue;
    const ind = /^\s*/.exec(l)![0].length;
    if (ind < indent) {
      const m = /^\s*(?:- )?([A-Za-z_]+):\s*$/.exec(l);
      if (m) return m[1]!;
      if (/^\s*- /.test(l) && ind < indent) continue;
      const k = /^\s*(?:- )?([A-Za-z_]+):/.exec(l);
      if (k && ind + 2 <= indent) continue;
    }
  }
  return null;
}

/** Schema-aware completion of qna.yaml keys (knowledge or skill), with a line of help each. */
export function qnaCompletion(kind: 'knowledge' | 'skill') {
  return (ctx: CompletionContext): CompletionResult | null => {
    const line = ctx.state.doc.lineAt(ctx.pos);
    const before = line.text.slice(0, ctx.pos - line.from);
    const m = /^(\s*)(- )?([A-Za-z_]*)$/.exec(before);
    if (!m) return null;
    if (!ctx.explicit && m[3] === '' && !m[2]) return null;
    const lines = ctx.state.doc.toString().split('\n');
    const indent = indentOf(before);
    const parent = indent === 0 ? null : parentKey(lines, line.number - 1, indent);
    let keys: KeyDoc[];
    if (parent === null) keys = KEY_DOCS[kind];
    else if (parent === 'seed_examples') keys = kind === 'knowledge' ? KEY_DOCS.knowledgeSeed : KEY_DOCS.skillSeed;
    else if (parent === 'questions_and_answers') keys = KEY_DOCS.qnaPair;
    else if (parent === 'document') keys = KEY_DOCS.document;
    else return null;
    return {
      from: ctx.pos - m[3]!.length,
      options: keys.map((k) => ({
        label: k.key,
        type: 'property',
        info: k.doc,
        apply: `${k.key}:${k.snippet.replace(/\n/g, `\n${' '.repeat(indent)}`)}`,
      })),
      validFor: /^[A-Za-z_]*$/,
    };
  };
}
