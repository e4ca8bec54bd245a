import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytesOf, startFakeHub, type FakeHub } from '../helpers/fake-hub-server.js';
import { tinyGguf } from '../helpers/tiny-gguf.js';
import { launchBrowser, openApp, screenshotDir, startServer, waitFor, type Server, type Session } from './fixture.js';

const MB = 1 << 20;

describe('Models page: download from a local hub in Chromium over `labforge serve`', () => {
  let work: string;
  let hub: FakeHub;
  let server: Server;
  let browser: Browser;
  let session: Session;
  let page: Page;
  const shot = (name: string): Promise<Buffer> =>
    page.screenshot({ path: path.join(screenshotDir, `${name}.png`), fullPage: true, animations: 'disabled' });
  const card = (): Locator => page.getByRole('article', { name: 'Tiny Chat' });

  beforeAll(async () => {
    mkdirSync(screenshotDir, { recursive: true });
    work = mkdtempSync(path.join(tmpdir(), 'labforge-e2e-models-'));
    const gguf = readFileSync(await tinyGguf());
    const data = Buffer.concat([gguf, randomBytesOf(10 * MB - gguf.length, 3)]);
    hub = await startFakeHub({
      'test-org/tiny-chat-GGUF': { files: { 'tiny-chat.Q8_0.gguf': { data, faults: { bytesPerSecond: MB } } } },
    });
    // A model the user already has in the Hugging Face cache (blobs + snapshot symlinks).
    const snap = path.join(work, 'hf-cache', 'models--cached-org--cached-GGUF', 'snapshots', 'b'.repeat(40));
    mkdirSync(snap, { recursive: true });
    mkdirSync(path.join(work, 'hf-cache', 'models--cached-org--cached-GGUF', 'blobs'));
    writeFileSync(path.join(work, 'hf-cache', 'models--cached-org--cached-GGUF', 'blobs', 'c'.repeat(64)), gguf);
    symlinkSync(`../../blobs/${'c'.repeat(64)}`, path.join(snap, 'cached.gguf'));
    const catalog = path.join(work, 'catalog.yaml');
    writeFileSync(
      catalog,
      [
        'version: 1',
        'models:',
        '  - id: tiny-chat',
        '    name: Tiny Chat',
        '    family: llama',
        '    roles: [chat, judge]',
        '    parameters: 20000000',
        '    licence: Apache-2.0',
        '    contextLength: 512',
        '    description: A tiny random Llama for the end-to-end test, served by the local hub.',
        '    sources:',
        '      - kind: gguf',
        '        repo: test-org/tiny-chat-GGUF',
        '        file: tiny-chat.Q8_0.gguf',
        '        quantization: Q8_0',
        `        sizeBytes: ${data.length}`,
      ].join('\n'),
    );
    [server, browser] = await Promise.all([
      startServer({
        env: {
          HF_ENDPOINT: hub.endpoint,
          HF_HUB_CACHE: path.join(work, 'hf-cache'),
          HF_TOKEN: '',
          LABFORGE_CATALOG: catalog,
        },
      }),
      launchBrowser(),
    ]);
    session = await openApp(browser, server, { hash: '#/models' });
    page = session.page;
  }, 180_000);

  afterAll(async () => {
    await session?.context.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    await server?.close();
    await hub?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('downloads a catalog GGUF with live progress, pauses and resumes it, and shows it in the library', async () => {
    await card()
      .getByRole('button', { name: /^Download Tiny Chat GGUF Q8_0/ })
      .click();
    const bar = card().getByRole('progressbar', { name: /Tiny Chat GGUF Q8_0 download progress/ });
    await waitFor(
      async () => Number((await bar.getAttribute('aria-valuenow').catch(() => null)) ?? 0) >= 15,
      'progress past 15 %',
      30_000,
    );
    await shot('models-download-progress');
    const status = await card().getByText(/^\d+%/).first().textContent();
    expect(status).toMatch(/^\d+% · [\d.]+ MB of 10\.5 MB · [\d.]+ (kB|MB)\/s · \d+ ?s left$/);

    await card()
      .getByRole('button', { name: /^Pause Tiny Chat/ })
      .click();
    await card()
      .getByRole('button', { name: /^Resume Tiny Chat/ })
      .waitFor({ timeout: 15_000 });
    expect(
      await card()
        .getByText(/paused/)
        .count(),
    ).toBeGreaterThan(0);
    await shot('models-download-paused');
    const sentAtPause = hub.bytesSent('test-org/tiny-chat-GGUF', 'tiny-chat.Q8_0.gguf');
    hub.repos.get('test-org/tiny-chat-GGUF')!.files['tiny-chat.Q8_0.gguf']!.faults = {};
    await card()
      .getByRole('button', { name: /^Resume Tiny Chat/ })
      .click();
    await card().getByText('In library').waitFor({ timeout: 30_000 });
    const after = hub.bytesSent('test-org/tiny-chat-GGUF', 'tiny-chat.Q8_0.gguf');
    expect(after - sentAtPause).toBeLessThan(10 * MB - 0.5 * MB); // resumed, not restarted
    await shot('models-catalog-done');

    await page.getByRole('tab', { name: /^Library/ }).click();
    const table = page.getByRole('table', { name: 'Model library' });
    await table.getByText('tiny-chat.Q8_0', { exact: true }).waitFor();
    const row = table.getByRole('row', { name: /tiny-chat\.Q8_0/ });
    expect(await row.getByText('llama', { exact: true }).count()).toBe(1);
    expect(await row.getByText('hub: test-org/tiny-chat-GGUF').count()).toBe(1);
    await page.getByRole('button', { name: 'Add cached-org/cached-GGUF · cached.gguf to the library' }).click();
    await table.getByText('cached', { exact: true }).waitFor();
    await shot('models-library');
    expect(session.problems).toEqual([]);
  });
});
