import 'katex/dist/katex.min.css';
import { ActionIcon, CopyButton, Tooltip } from '@mantine/core';
import { IconCheck, IconCopy } from '@tabler/icons-react';
import type { Element } from 'hast';
import { memo, type ComponentProps } from 'react';
import ReactMarkdown, { type Components, type ExtraProps, type Options, type UrlTransform } from 'react-markdown';
import rehypeKatex from 'rehype-katex';
import remarkGfm from 'remark-gfm';
import remarkMath from 'remark-math';
import { externalUrlAllowed } from '../../../../electron/shared/external-url';
import { latexDelimiters, splitBlocks } from './markdown-blocks';
import classes from './Markdown.module.css';
import { codeLanguage, hastText, rehypeCodeHighlight } from './rehype-code-highlight';

/**
 * Model answers as Markdown: react-markdown with GFM (tables, strikethrough, task lists,
 * autolinks), math (remark-math + KaTeX) and highlighted fenced code. Raw HTML is never
 * rendered (react-markdown shows it as text; there is no rehype-raw). A URL becomes a link only
 * when `externalUrlAllowed` (the shell's rule for opening the user's browser) accepts it; any
 * other href or src is dropped and its text stays inert.
 */

const remarkPlugins: Options['remarkPlugins'] = [remarkGfm, remarkMath];
const rehypePlugins: Options['rehypePlugins'] = [
  [rehypeKatex, { throwOnError: false, strict: 'ignore' }],
  rehypeCodeHighlight,
];

export const safeUrl: UrlTransform = (url) => (externalUrlAllowed(url) ? url : null);

function host(href: string): string {
  try {
    return new URL(href).host;
  } catch {
    return href;
  }
}

/** An allowed link opens in the user's browser (target=_blank goes through the shell's window-open rule). */
function Link({ href, children, node }: ComponentProps<'a'> & ExtraProps) {
  if (!href) {
    return (
      <span className={classes.inertLink} title="Not an http(s) link, so it cannot be opened">
        {children}
      </span>
    );
  }
  const label = node ? hastText(node).trim() : '';
  const bare = href.replace(/^https?:\/\//, '').replace(/\/$/, '');
  const showHost = label !== href && label.replace(/\/$/, '') !== bare;
  return (
    <>
      <a href={href} target="_blank" rel="noopener noreferrer" title={href} className={classes.link}>
        {children}
      </a>
      {showHost && <span className={classes.linkHost}> ({host(href)})</span>}
    </>
  );
}

/** Images are not fetched (an answer must not make the app load remote content): shown as a link. */
function Image({ src, alt }: ComponentProps<'img'> & ExtraProps) {
  const label = `[image${alt ? `: ${alt}` : ''}]`;
  return typeof src === 'string' && src ? <Link href={src}>{label}</Link> : <Link>{label}</Link>;
}

function Pre({ node, children }: ComponentProps<'pre'> & ExtraProps) {
  const code = node?.children.find((c): c is Element => c.type === 'element' && c.tagName === 'code');
  const text = code ? hastText(code) : '';
  return (
    <div className={classes.codeBlock}>
      <div className={classes.codeHeader}>
        <span>{(code && codeLanguage(code)) || 'code'}</span>
        <CopyButton value={text}>
          {({ copied, copy }) => (
            <Tooltip label={copied ? 'Copied' : 'Copy code'}>
              <ActionIcon variant="subtle" color="gray" size="sm" onClick={copy} aria-label="Copy code">
                {copied ? <IconCheck size={14} /> : <IconCopy size={14} />}
              </ActionIcon>
            </Tooltip>
          )}
        </CopyButton>
      </div>
      <pre className={classes.pre}>{children}</pre>
    </div>
  );
}

/** A wide table scrolls inside its own box instead of widening the message. */
function Table({ node: _node, ...props }: ComponentProps<'table'> & ExtraProps) {
  return (
    <div className={classes.tableWrap}>
      <table {...props} />
    </div>
  );
}

const components: Components = { a: Link, img: Image, pre: Pre, table: Table };

/** One top-level chunk; memoised on its text, so finished chunks are not parsed again while streaming. */
const Block = memo(function Block({ text }: { text: string }) {
  return (
    <ReactMarkdown
      remarkPlugins={remarkPlugins}
      rehypePlugins={rehypePlugins}
      urlTransform={safeUrl}
      components={components}
    >
      {text}
    </ReactMarkdown>
  );
});

export const Markdown = memo(function Markdown({ text }: { text: string }) {
  return (
    <div className={classes.markdown}>
      {splitBlocks(latexDelimiters(text)).map((b, i) => (
        <Block key={i} text={b} />
      ))}
    </div>
  );
});
