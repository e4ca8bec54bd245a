/**
 * Markdown streaming: a Markdown-heavy answer (tables, code, math, links) streamed at 200 tokens/s
 * into the chat's Markdown component, built by Vite into a static page and run in Debian's
 * Chromium. Reports the longest frame (requestAnimationFrame deltas), the longest long task and
 * long animation frame while streaming, once with the app's coalescing (≤ 60 updates/s, as the
 * model host sends text) and once re-rendering on every token. Prints figures; never asserts.
 *   npm run bench markdown      BENCH_TOKENS_PER_SEC=200 BENCH_RUNS=2
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import react from '@vitejs/plugin-react';
import { build } from 'vite';
import { markdownAnswer } from '../test/helpers/markdown-answer.js';
import { launchBrowser } from '../test/e2e/fixture.js';
import type { StreamResult } from './markdown-stream/stream-result.js';

/** What bench/markdown-stream/page.tsx puts on `window` (this file is compiled without the DOM lib). */
interface BenchPage {
  benchStream(tokens: readonly string[], tokensPerSec: number, updatesPerSec: number): Promise<StreamResult>;
}

const TPS = Number(process.env.BENCH_TOKENS_PER_SEC ?? 200);
const RUNS = Number(process.env.BENCH_RUNS ?? 2);
const root = path.resolve(import.meta.dirname, '..');

const table = (rows: number): string =>
  `| step | loss | lr | tokens/s | note |\n|---:|---:|---:|---:|---|\n` +
  Array.from(
    { length: rows },
    (_, i) =>
      `| ${i * 10} | ${(2 / (1 + i / 8)).toFixed(3)} | ${(2e-5 * (1 - i / rows)).toExponential(2)} | ${1800 + i} | ${i % 5 ? '' : '**checkpoint**'} |`,
  ).join('\n');
const code =
  '```typescript\n' +
  Array.from(
    { length: 30 },
    (_, i) => `export const f${i} = (x: number): number => x * ${i} + Math.sqrt(${i}); // step ${i}`,
  ).join('\n') +
  '\n```';
const answer = [
  markdownAnswer,
  table(40),
  'Then the code:',
  code,
  markdownAnswer,
  'In short: $\\sum_k a_k$ converges.',
].join('\n\n');
/** Roughly what a tokenizer yields: a leading space and up to 4 characters. */
const tokens = answer.match(/\s?\S{1,4}|\s+/g) ?? [];

const outDir = mkdtempSync(path.join(os.tmpdir(), 'labforge-bench-md-'));
const server = createServer((req, res) => {
  const file = path.join(outDir, new URL(req.url ?? '/', 'http://x').pathname.replace(/\/$/, '/index.html'));
  try {
    const body = readFileSync(file);
    const ext = path.extname(file);
    const types: Record<string, string> = {
      '.html': 'text/html',
      '.js': 'text/javascript',
      '.css': 'text/css',
      '.woff2': 'font/woff2',
    };
    res.writeHead(200, { 'content-type': types[ext] ?? 'application/octet-stream' }).end(body);
  } catch {
    res.writeHead(404).end();
  }
});
try {
  const t0 = performance.now();
  await build({
    root: path.join(root, 'bench/markdown-stream'),
    configFile: false,
    logLevel: 'warn',
    plugins: [react()],
    css: { postcss: path.join(root, 'renderer') },
    build: { outDir, emptyOutDir: true, chunkSizeWarningLimit: 10_000 },
  });
  console.log(
    `page built in ${((performance.now() - t0) / 1000).toFixed(1)} s; ${tokens.length} tokens, ${answer.length} chars at ${TPS} tokens/s`,
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(url);
    await page.waitForFunction(() => typeof (globalThis as unknown as Partial<BenchPage>).benchStream === 'function');
    // One unreported pass first: JIT warm-up and KaTeX's fonts.
    await page.evaluate(([t, tps]) => (globalThis as unknown as BenchPage).benchStream(t, tps, 60), [
      tokens,
      TPS * 4,
    ] as const);
    console.log(
      `load average ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')} on ${os.cpus().length} cores`,
    );
    for (const [name, ups] of [
      ['app coalescing (60 updates/s)', 60],
      ['every token (re-render each)', TPS],
    ] as const) {
      for (let r = 0; r < RUNS; r++) {
        const res = await page.evaluate(([t, tps, u]) => (globalThis as unknown as BenchPage).benchStream(t, tps, u), [
          tokens,
          TPS,
          ups,
        ] as const);
        console.log(
          `${name.padEnd(32)} max frame ${res.maxFrameMs.toFixed(1).padStart(6)} ms  p99 ${res.p99FrameMs.toFixed(1).padStart(5)} ms  ` +
            `frames>50ms ${String(res.framesOver50).padStart(3)}  longest task ${res.maxLongTaskMs.toFixed(0).padStart(4)} ms  ` +
            `longest LoAF ${res.maxLoafMs.toFixed(0).padStart(4)} ms  ${res.updates} updates in ${(res.elapsedMs / 1000).toFixed(1)} s  ` +
            `${res.maxFrameMs < 50 ? 'under' : 'OVER'} 50 ms`,
        );
      }
    }
  } finally {
    await browser.close();
  }
} finally {
  server.close();
  rmSync(outDir, { recursive: true, force: true });
}
