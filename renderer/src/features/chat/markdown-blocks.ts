/**
 * Splits Markdown into top-level chunks that render the same apart as together, so a streaming
 * answer re-parses only its last chunk. A chunk ends at a blank line whose next line starts in
 * column 0 (an indented line continues a list item or indented code), never inside a ``` / ~~~
 * fence or a $$ math block. Link reference definitions and footnotes refer across chunks, so text
 * that has any stays one chunk.
 */
export function splitBlocks(src: string): string[] {
  if (/^ {0,3}\[[^\]\n]+\]:/m.test(src)) return [src];
  const lines = src.split('\n');
  const blocks: string[] = [];
  let start = 0;
  let fence: { char: string; len: number } | null = null;
  let math = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const trimmed = line.trimStart();
    if (fence) {
      const close = /^(`{3,}|~{3,})\s*$/.exec(trimmed);
      if (close && close[1]![0] === fence.char && close[1]!.length >= fence.len) fence = null;
      continue;
    }
    if (math) {
      if (/\$\$\s*$/.test(trimmed)) math = false;
      continue;
    }
    const open = /^(`{3,}|~{3,})/.exec(trimmed);
    if (open) {
      fence = { char: open[1]![0]!, len: open[1]!.length };
      continue;
    }
    if (trimmed.startsWith('$$') && !/^\$\$.*\$\$\s*$/.test(trimmed)) {
      math = true;
      continue;
    }
    const next = lines[i + 1];
    if (line.trim() === '' && next !== undefined && /^\S/.test(next) && i > start) {
      blocks.push(lines.slice(start, i + 1).join('\n'));
      start = i + 1;
    }
  }
  blocks.push(lines.slice(start).join('\n'));
  return blocks;
}

/**
 * LaTeX's own delimiters, which many models write, as remark-math's: `\[...\]` on lines of its
 * own becomes a `$$` block, elsewhere (and `\(...\)`) inline math. Code fences and inline code are
 * left as they are.
 */
export function latexDelimiters(src: string): string {
  if (!src.includes('\\[') && !src.includes('\\(') && !src.includes('$')) return src;
  const lines = src.split('\n');
  const out: string[] = [];
  let prose: string[] = [];
  let fence: { char: string; len: number } | null = null;
  const flush = (): void => {
    if (prose.length) out.push(convertProse(prose.join('\n')));
    prose = [];
  };
  for (const line of lines) {
    const trimmed = line.trimStart();
    if (fence) {
      out.push(line);
      const close = /^(`{3,}|~{3,})\s*$/.exec(trimmed);
      if (close && close[1]![0] === fence.char && close[1]!.length >= fence.len) fence = null;
      continue;
    }
    const open = /^(`{3,}|~{3,})/.exec(trimmed);
    if (open) {
      flush();
      fence = { char: open[1]![0]!, len: open[1]!.length };
      out.push(line);
      continue;
    }
    prose.push(line);
  }
  flush();
  return out.join('\n');
}

function convertProse(text: string): string {
  // Inline code spans are kept out of the conversion.
  return text
    .split(/(`+[^`]*`+)/)
    .map((part, i) =>
      i % 2 === 1
        ? part
        : part
            .replace(
              /(^|\n)([ \t]*)\\\[([\s\S]+?)\\\][ \t]*(?=\n|$)/g,
              (_m, nl: string, ind: string, body: string) => `${nl}${ind}$$\n${body.trim()}\n${ind}$$`,
            )
            .replace(/\\\[([\s\S]+?)\\\]/g, (_m, body: string) => `$${body.trim()}$`)
            .replace(/\\\(([\s\S]+?)\\\)/g, (_m, body: string) => `$${body.trim()}$`)
            .split('\n')
            .map(dollarsAsPandoc)
            .join('\n'),
    )
    .join('');
}

/**
 * Pandoc's rule for `$...$`: the opening `$` has a non-space right after it, the closing one a
 * non-space right before it and no digit right after it. A `$` that opens nothing is a dollar
 * sign (escaped), so "$5 and $10" stays text while "$2 + 3 = 5$" is math. `$$` is left alone.
 */
function dollarsAsPandoc(line: string): string {
  if (!line.includes('$')) return line;
  let out = '';
  let i = 0;
  while (i < line.length) {
    const c = line[i]!;
    if (c === '\\') {
      out += line.slice(i, i + 2);
      i += 2;
      continue;
    }
    if (c !== '$') {
      out += c;
      i++;
      continue;
    }
    if (line[i + 1] === '$') {
      const end = line.indexOf('$$', i + 2);
      const stop = end === -1 ? line.length : end + 2;
      out += line.slice(i, stop);
      i = stop;
      continue;
    }
    let close = -1;
    if (line[i + 1] !== undefined && !/\s/.test(line[i + 1]!))
      for (let j = i + 1; j < line.length; j++) {
        if (line[j] === '\\') {
          j++;
          continue;
        }
        if (line[j] === '$' && !/\s/.test(line[j - 1]!) && !/\d/.test(line[j + 1] ?? '')) {
          close = j;
          break;
        }
      }
    if (close === -1) {
      out += '\\$';
      i++;
    } else {
      out += line.slice(i, close + 1);
      i = close + 1;
    }
  }
  return out;
}
