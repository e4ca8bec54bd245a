import { MantineProvider } from '@mantine/core';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { Markdown } from './Markdown';
import { latexDelimiters, splitBlocks } from './markdown-blocks';

const render = (text: string): string =>
  renderToStaticMarkup(createElement(MantineProvider, null, createElement(Markdown, { text })));

describe('Markdown (react-markdown + GFM + KaTeX + lowlight)', () => {
  it('renders a GFM table inside a scrolling wrapper, and strikethrough and task lists', () => {
    const html = render('| Model | Score |\n|---|--:|\n| granite | 0.81 |\n\n~~old~~ and\n\n- [x] done\n- [ ] todo');
    expect(html).toMatch(/<div class="[^"]*tableWrap[^"]*"><table>/);
    expect(html).toContain('<th>Model</th>');
    expect(html).toContain('<td style="text-align:right">0.81</td>');
    expect(html).toContain('<del>old</del>');
    expect(html).toMatch(/<input type="checkbox" disabled="" checked=""\/>/);
  });

  it('highlights a fenced code block with a language, and shows the language and a copy button', () => {
    const html = render('```python\ndef f(x):\n    return "hi"\n```');
    expect(html).toContain('<code class="language-python hljs">');
    expect(html).toContain('<span class="hljs-keyword">def</span>');
    expect(html).toContain('<span class="hljs-string">&quot;hi&quot;</span>');
    expect(html).toContain('aria-label="Copy code"');
    expect(html).toMatch(/<span>python<\/span>/);
  });

  it('leaves code in an unknown language as plain text', () => {
    const html = render('```brainfuck\n+++.\n```');
    expect(html).toContain('<code class="language-brainfuck">+++.\n</code>');
  });

  it('renders inline and block math with KaTeX', () => {
    const html = render('Euler: $e^{i\\pi} + 1 = 0$\n\n$$\n\\int_0^1 x^2\\,dx = \\frac{1}{3}\n$$');
    expect(html).toMatch(/<span class="katex">/);
    expect(html).toMatch(/<span class="katex-display">/);
    expect(html).toContain('<annotation encoding="application/x-tex">e^{i\\pi} + 1 = 0</annotation>');
    expect(html).toContain('<mfrac>');
  });

  it('reads LaTeX delimiters \\( \\) and \\[ \\] as math, but not inside code', () => {
    expect(latexDelimiters('so \\(a^2\\) and\n\\[\n\\sum_i x_i\n\\]\nend')).toBe(
      'so $a^2$ and\n$$\n\\sum_i x_i\n$$\nend',
    );
    expect(latexDelimiters('`\\(x\\)` and\n```\n\\[y\\]\n```')).toBe('`\\(x\\)` and\n```\n\\[y\\]\n```');
    const html = render('Area \\(\\pi r^2\\), and\n\n\\[\n\\frac{1}{2}\n\\]');
    expect(html).toMatch(/<span class="katex">/);
    expect(html).toMatch(/<span class="katex-display">/);
    expect(html).toContain('<annotation encoding="application/x-tex">\\pi r^2</annotation>');
  });

  it('reads dollars as pandoc does: "$5 and $10" is money, "$2 + 3 = 5$" is math', () => {
    expect(latexDelimiters('It costs $5 and $10.')).toBe('It costs \\$5 and \\$10.');
    expect(latexDelimiters('So $2 + 3 = 5$ holds, and $x$ too')).toBe('So $2 + 3 = 5$ holds, and $x$ too');
    expect(latexDelimiters('$$\na$\n$$ and `$5 $6`')).toBe('$$\na\\$\n$$ and `$5 $6`');
    const money = render('It costs $5 and $10.');
    expect(money).not.toContain('katex');
    expect(money).toContain('It costs $5 and $10.');
    expect(render('So $2 + 3 = 5$ holds')).toContain('<annotation encoding="application/x-tex">2 + 3 = 5</annotation>');
  });

  it('keeps broken math as text instead of throwing', () => {
    expect(render('$\\frac{1}{$ ok')).toContain('ok');
  });

  it('links only http(s) URLs, shows their target, and leaves other schemes inert', () => {
    const html = render(
      '[docs](https://docs.instructlab.ai/x) [bad](javascript:alert(1)) [d](data:text/html,hi) [f](file:///etc/passwd) <https://example.com>',
    );
    expect(html).toContain(
      '<a href="https://docs.instructlab.ai/x" target="_blank" rel="noopener noreferrer" title="https://docs.instructlab.ai/x"',
    );
    expect(html).toContain('(docs.instructlab.ai)');
    expect(html).not.toMatch(/href="(javascript|data|file):/i);
    expect(html).not.toContain('alert(1)"');
    expect(html).toMatch(/<span class="[^"]*inertLink[^"]*"[^>]*>bad<\/span>/);
    expect(html).toMatch(/<span class="[^"]*inertLink[^"]*"[^>]*>f<\/span>/);
    // An autolink's text is its URL, so no host is repeated after it.
    expect(html).toMatch(
      /href="https:\/\/example.com"[^>]*>https:\/\/example.com<\/a>$|https:\/\/example.com<\/a><\/p>/,
    );
  });

  it('does not load images; an image becomes a link by the same rule', () => {
    const html = render('![chart](https://example.com/c.png) ![x](data:image/png;base64,AAAA)');
    expect(html).not.toContain('<img');
    expect(html).toContain('href="https://example.com/c.png"');
    expect(html).toContain('[image: chart]');
    expect(html).not.toContain('data:image');
  });

  it('shows raw HTML as text, never as elements', () => {
    const html = render('<script>alert(1)</script>\n\nHi <img src=x onerror="alert(2)"> there <b>bold</b>');
    expect(html).not.toMatch(/<script|<img|<b>/i);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&lt;img src=x onerror=&quot;alert(2)&quot;&gt;');
  });

  it('renders an unbalanced fence mid-stream as an open code block', () => {
    const html = render('Here:\n\n```ts\nconst a = 1;\nconst b = ▍');
    expect(html).toContain('<p>Here:</p>');
    expect(html).toContain('<code class="language-ts hljs">');
    expect(html).toContain('▍');
    expect(render('```')).toContain('<pre');
    expect(render('~~~~\n```\nstill code')).toContain('still code');
  });

  it('renders a 200-row table whole', () => {
    const rows = Array.from({ length: 200 }, (_, i) => `| ${i} | row ${i} | ${'x'.repeat(i % 7)} |`).join('\n');
    const html = render(`| n | name | pad |\n|---|---|---|\n${rows}`);
    expect(html.match(/<tr>/g)).toHaveLength(201);
    expect(html).toContain('<td>row 199</td>');
    expect(html.match(/tableWrap/g)).toHaveLength(1);
  });
});

describe('splitBlocks', () => {
  it('splits at blank lines before column-0 text, never inside fences or $$ blocks', () => {
    expect(splitBlocks('a\n\nb')).toEqual(['a\n', 'b']);
    expect(splitBlocks('```\nx\n\ny\n```\n\nz')).toEqual(['```\nx\n\ny\n```\n', 'z']);
    expect(splitBlocks('$$\na\n\nb\n$$\n\nc')).toEqual(['$$\na\n\nb\n$$\n', 'c']);
    expect(splitBlocks('- a\n\n  more of a\n- b')).toEqual(['- a\n\n  more of a\n- b']);
  });

  it('keeps text with reference definitions or footnotes whole', () => {
    const src = 'See [x] and [^1].\n\n[x]: https://example.com\n\n[^1]: note';
    expect(splitBlocks(src)).toEqual([src]);
  });

  it('renders a document of many chunks as one would expect of it whole', () => {
    const src = '# T\n\npara *a*\n\n1. one\n2. two\n\n| a |\n|---|\n| 1 |\n\n```js\nlet x\n\nlet y\n```\n\n> q';
    const whole = renderToStaticMarkup(
      createElement(MantineProvider, null, createElement('div', null, createElement(Markdown, { text: src }))),
    );
    expect(splitBlocks(src)).toHaveLength(6);
    expect(whole).toContain('<h1>T</h1>');
    expect(whole).toContain('<ol>\n<li>one</li>\n<li>two</li>\n</ol>');
    expect(whole).toContain('<span class="hljs-keyword">let</span> x\n\n<span class="hljs-keyword">let</span> y');
    expect(whole).toContain('<blockquote>\n<p>q</p>\n</blockquote>');
  });
});
