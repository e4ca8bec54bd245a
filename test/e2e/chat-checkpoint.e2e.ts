import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { hasTrainerEnv, tinyData, tinyModel } from '../helpers/tiny-kit.js';
import { launchBrowser, openApp, screenshotDir, startServer, type Server, type Session } from './fixture.js';

/** One API call over the server's WebSocket (what the renderer does). */
function call(server: Server, method: string, params: unknown): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${server.origin.replace('http', 'ws')}/ws?token=${server.token}`, {
      headers: { origin: server.origin },
    });
    ws.once('open', () => ws.send(JSON.stringify({ t: 'call', id: 1, method, params })));
    ws.on('message', (raw) => {
      const m = JSON.parse(String(raw)) as { t: string; id?: number; ok?: boolean; value?: unknown; error?: unknown };
      if (m.t !== 'result' || m.id !== 1) return;
      ws.close();
      if (m.ok) resolve(m.value);
      else reject(new Error(JSON.stringify(m.error)));
    });
    ws.once('error', reject);
  });
}

// A model test: trains the tiny model, then "Chat with this checkpoint" exports it and its base for Compare.
describe.runIf(hasTrainerEnv())('Runs page: chat with a checkpoint beside its base', () => {
  let work: string;
  let server: Server;
  let browser: Browser;
  let session: Session;
  let page: Page;

  beforeAll(async () => {
    mkdirSync(screenshotDir, { recursive: true });
    work = mkdtempSync(path.join(tmpdir(), 'labforge-e2e-ckchat-'));
    let model: string;
    let data: string;
    [model, data, server, browser] = await Promise.all([
      tinyModel(path.join(work, 'tiny-model')),
      tinyData(path.join(work, 'data')),
      startServer({ env: { OMP_NUM_THREADS: '1' } }),
      launchBrowser(),
    ]);
    await call(server, 'training.start', {
      data,
      baseModel: model,
      phases: ['knowledge'],
      epochs: 1,
      learningRate: 3e-3,
      warmupSteps: 1,
      effectiveBatchSize: 8,
      maxBatchLen: 512,
      minSeqLen: 1,
      device: 'cpu',
      python: path.resolve('native/.venv/bin/python'),
    });
    session = await openApp(browser, server, { hash: '#/runs' });
    page = session.page;
  }, 180_000);

  afterAll(async () => {
    await session?.context.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    await server?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('a click exports checkpoint and base, then Chat compares the two', { timeout: 600_000 }, async () => {
    const run = page.getByRole('region', { name: /^Train tiny-model/ });
    await run.waitFor({ timeout: 30_000 });
    const button = run.getByRole('button', { name: /^Chat with checkpoint / }).first();
    await button.waitFor({ timeout: 300_000 });
    await run
      .getByText(/^Succeeded$/i)
      .first()
      .waitFor({ timeout: 300_000 });
    await button.click();
    await page.getByRole('heading', { level: 1, name: 'Chat' }).waitFor({ timeout: 400_000 });
    const a = page.getByRole('combobox', { name: 'Model A' });
    const b = page.getByRole('combobox', { name: 'Model B' });
    await expect.poll(() => a.inputValue(), { timeout: 10_000 }).toMatch(/^phase1-knowledge-epoch-\d+-[0-9a-f]{6}$/);
    await expect(b.inputValue()).resolves.toMatch(/^tiny-model-base-[0-9a-f]{6}$/);
    await page.getByLabel('Compare prompt').fill('Hello! Who are you?');
    await page.getByRole('button', { name: 'Compare' }).last().click();
    for (const side of ['A', 'B'])
      await page
        .getByLabel(`Answer of model ${side}`)
        .getByText('The answer appears here.')
        .waitFor({ state: 'detached', timeout: 60_000 });
    await page.getByRole('button', { name: 'Compare' }).last().waitFor({ timeout: 60_000 });
    await page.evaluate('window.scrollTo(0, 0); document.activeElement?.blur()');
    await page.screenshot({
      path: path.join(screenshotDir, 'chat-checkpoint-compare.png'),
      fullPage: true,
      animations: 'disabled',
    });
  });
});
