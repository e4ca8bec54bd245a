import bash from 'highlight.js/lib/languages/bash';
import c from 'highlight.js/lib/languages/c';
import cpp from 'highlight.js/lib/languages/cpp';
import css from 'highlight.js/lib/languages/css';
import diff from 'highlight.js/lib/languages/diff';
import go from 'highlight.js/lib/languages/go';
import java from 'highlight.js/lib/languages/java';
import javascript from 'highlight.js/lib/languages/javascript';
import json from 'highlight.js/lib/languages/json';
import markdown from 'highlight.js/lib/languages/markdown';
import python from 'highlight.js/lib/languages/python';
import rust from 'highlight.js/lib/languages/rust';
import shell from 'highlight.js/lib/languages/shell';
import sql from 'highlight.js/lib/languages/sql';
import typescript from 'highlight.js/lib/languages/typescript';
import xml from 'highlight.js/lib/languages/xml';
import yaml from 'highlight.js/lib/languages/yaml';
import type { Element, ElementContent, Root } from 'hast';
import { createLowlight } from 'lowlight';

/**
 * The languages model answers use most; rehype-highlight would bundle lowlight's 37 "common"
 * grammars, this keeps the renderer small. Aliases (js, ts, py, sh, html, yml ...) come with them.
 */
const lowlight = createLowlight({
  bash,
  c,
  cpp,
  css,
  diff,
  go,
  java,
  javascript,
  json,
  markdown,
  python,
  rust,
  shell,
  sql,
  typescript,
  xml,
  yaml,
});

/** The text of a hast node (a code block's source before or after highlighting). */
export function hastText(node: Root | ElementContent): string {
  if (node.type === 'text') return node.value;
  if ('children' in node) return node.children.map((n) => hastText(n as ElementContent)).join('');
  return '';
}

/** `language-py` on a `<code>`, as remark writes a fence's info string. */
export function codeLanguage(node: Element): string | null {
  const cls = node.properties.className;
  const list: unknown[] = Array.isArray(cls) ? cls : String(cls ?? '').split(' ');
  for (const c of list) if (typeof c === 'string' && c.startsWith('language-')) return c.slice(9);
  return null;
}

function visit(node: Root | Element, parent: Root | Element | null): void {
  if (node.type === 'element' && node.tagName === 'code' && parent?.type === 'element' && parent.tagName === 'pre') {
    const lang = codeLanguage(node);
    if (lang && lowlight.registered(lang)) {
      const tree = lowlight.highlight(lang, hastText(node));
      node.children = tree.children as ElementContent[];
      const cls = node.properties.className;
      node.properties.className = [...(Array.isArray(cls) ? cls : []), 'hljs'];
    }
    return;
  }
  for (const child of node.children) if (child.type === 'element') visit(child, node);
}

/** A rehype plugin: highlights fenced code whose language is registered; others stay plain text. */
export function rehypeCodeHighlight(): (tree: Root) => void {
  return (tree) => visit(tree, null);
}
