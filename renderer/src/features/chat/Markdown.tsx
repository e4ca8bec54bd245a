import { ActionIcon, Code, CopyButton, Tooltip } from '@mantine/core';
import { IconCheck, IconCopy } from '@tabler/icons-react';
import { memo, type ReactNode } from 'react';
import classes from './Chat.module.css';

/**
 * A small Markdown renderer for model answers: fenced code, headings, lists, quotes, paragraphs,
 * inline code, bold, italic and links (shown, not followed). It builds React elements, never
 * HTML, so model output cannot inject markup. Blocks are memoised by their text: while an answer
 * streams, only the last block re-renders.
 */

type Block =
  | { kind: 'code'; lang: string; text: string; open: boolean }
  | { kind: 'heading'; level: number; text: string }
  | { kind: 'list'; ordered: boolean; items: string[] }
  | { kind: 'quote'; text: string }
  | { kind: 'para'; text: string };

export function parseBlocks(src: string): Block[] {
  const lines = src.replace(/\r\n/g, '\n').split('\n');
  const blocks: Block[] = [];
  let para: string[] = [];
  const flush = (): void => {
    if (para.length) blocks.push({ kind: 'para', text: para.join('\n') });
    para = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const fence = /^\s*(```|~~~)\s*([\w+-]*)/.exec(line);
    if (fence) {
      flush();
      const body: string[] = [];
      let j = i + 1;
      while (j < lines.length && !lines[j]!.trim().startsWith(fence[1]!)) body.push(lines[j++]!);
      blocks.push({ kind: 'code', lang: fence[2] ?? '', text: body.join('\n'), open: j >= lines.length });
      i = j;
      continue;
    }
    const h = /^(#{1,6})\s+(.*)$/.exec(line);
    if (h) {
      flush();
      blocks.push({ kind: 'heading', level: h[1]!.length, text: h[2]! });
      continue;
    }
    const li = /^\s*([-*+]|\d+[.)])\s+(.*)$/.exec(line);
    if (li) {
      flush();
      const ordered = /\d/.test(li[1]!);
      const last = blocks.at(-1);
      if (last?.kind === 'list' && last.ordered === ordered) last.items.push(li[2]!);
      else blocks.push({ kind: 'list', ordered, items: [li[2]!] });
      continue;
    }
    if (line.startsWith('>')) {
      flush();
      const last = blocks.at(-1);
      const text = line.replace(/^>\s?/, '');
      if (last?.kind === 'quote') last.text += `\n${text}`;
      else blocks.push({ kind: 'quote', text });
      continue;
    }
    if (line.trim() === '') flush();
    else para.push(line);
  }
  flush();
  return blocks;
}

function inline(text: string): ReactNode[] {
  const out: ReactNode[] = [];
  const re = /(`[^`\n]+`)|(\*\*[^*\n]+\*\*)|(\*[^*\n]+\*|_[^_\n]+_)|(\[[^\]\n]+\]\([^)\s]+\))/g;
  let last = 0;
  let m: RegExpExecArray | null;
  let k = 0;
  while ((m = re.exec(text))) {
    if (m.index > last) out.push(text.slice(last, m.index));
    const t = m[0];
    if (m[1]) out.push(<Code key={k++}>{t.slice(1, -1)}</Code>);
    else if (m[2]) out.push(<strong key={k++}>{t.slice(2, -2)}</strong>);
    else if (m[3]) out.push(<em key={k++}>{t.slice(1, -1)}</em>);
    else {
      const [, label, href] = /^\[([^\]]+)\]\(([^)]+)\)$/.exec(t) ?? [];
      out.push(
        <span key={k++} className={classes.link} title={href}>
          {label}
        </span>,
      );
    }
    last = m.index + t.length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

const BlockView = memo(
  function BlockView({ block }: { block: Block }) {
    switch (block.kind) {
      case 'code':
        return (
          <div className={classes.codeBlock}>
            <div className={classes.codeHeader}>
              <span>{block.lang || 'code'}</span>
              <CopyButton value={block.text}>
                {({ copied, copy }) => (
                  <Tooltip label={copied ? 'Copied' : 'Copy code'}>
                    <ActionIcon variant="subtle" color="gray" size="sm" onClick={copy} aria-label="Copy code">
                      {copied ? <IconCheck size={14} /> : <IconCopy size={14} />}
                    </ActionIcon>
                  </Tooltip>
                )}
              </CopyButton>
            </div>
            <pre className={classes.pre}>
              <code>{block.text}</code>
            </pre>
          </div>
        );
      case 'heading': {
        const H = `h${Math.min(6, block.level + 2)}` as 'h3';
        return <H className={classes.mdHeading}>{inline(block.text)}</H>;
      }
      case 'list': {
        const L = block.ordered ? 'ol' : 'ul';
        return (
          <L className={classes.mdList}>
            {block.items.map((it, i) => (
              <li key={i}>{inline(it)}</li>
            ))}
          </L>
        );
      }
      case 'quote':
        return <blockquote className={classes.mdQuote}>{inline(block.text)}</blockquote>;
      case 'para':
        return <p className={classes.mdPara}>{inline(block.text)}</p>;
    }
  },
  (a, b) => JSON.stringify(a.block) === JSON.stringify(b.block),
);

export const Markdown = memo(function Markdown({ text }: { text: string }) {
  const blocks = parseBlocks(text);
  return (
    <div className={classes.markdown}>
      {blocks.map((b, i) => (
        <BlockView key={i} block={b} />
      ))}
    </div>
  );
});
