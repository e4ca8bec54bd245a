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
