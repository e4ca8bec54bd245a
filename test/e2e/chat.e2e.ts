import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConversationStore } from '../../electron/core/chat/conversation-store.js';
import { openDatabase } from '../../electron/core/store/database.js';
import { markdownAnswer } from '../helpers/markdown-answer.js';
import { tinyGguf } from '../helpers/tiny-gguf.js';
import { launchBrowser, openApp, screenshotDir, startServer, type Server, type Session } from './fixture.js';

let server: Server;
let browser: Browser;
let session: Session;
let page: Page;
let gguf: string;

const shot = (name: string, p: Page = page): Promise<Buffer> =>
  p.screenshot({ path: path.join(screenshotDir, `${name}.png`), fullPage: true, animations: 'disabled' });

const stats = (): ReturnType<Page['getByTestId']> => page.getByTestId('message-stats');

describe('Chat in Chromium over `labforge serve` (tiny GGUF)', () => {
  beforeAll(async () => {
    mkdirSync(screenshotDir, { recursive: true });
    gguf = await tinyGguf();
    process.env.LABFORGE_MODEL_THREADS = '1'; // inherited by `labforge serve` and its model host
    server = await startServer();
    browser = await launchBrowser();
    session = await openApp(browser, server, { hash: '#/chat' });
    page = session.page;
    await page.getByRole('heading', { level: 1, name: 'Chat' }).waitFor();
  });

  afterAll(async () => {
    await session?.context.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    await server?.close();
  });

  it('imports a GGUF file, refusing one that is not a model', async () => {
    await page.getByRole('button', { name: 'Import a GGUF model' }).click();
    const dialog = page.getByRole('dialog', { name: 'Import a GGUF model' });
    await dialog.getByLabel('Path of the .gguf file').fill(path.join(server.dataDir, 'labforge.db'));
    await dialog.getByRole('button', { name: 'Import' }).click();
    await dialog.getByText(/labforge\.db is not a usable GGUF model/).waitFor();
    await dialog.getByLabel('Path of the .gguf file').fill(gguf);
    await dialog.getByRole('button', { name: 'Import' }).click();
    await dialog.waitFor({ state: 'hidden' });
  });

  const settings = async (p: { system?: string; maxTokens: string }): Promise<void> => {
    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    const drawer = page.getByRole('dialog', { name: 'Conversation settings' });
    if (p.system !== undefined) await drawer.getByLabel('System prompt').fill(p.system);
    await drawer.getByLabel('Max tokens').fill(p.maxTokens);
    await drawer.getByRole('button', { name: 'Save' }).click();
    await drawer.waitFor({ state: 'hidden' });
  };

  it('streams an answer with its stats, and lists the conversation', async () => {
    await page.getByRole('button', { name: 'New chat' }).click();
    await settings({ system: 'You are a concise tutor.', maxTokens: '48' });
    await page.getByRole('textbox', { name: 'Message', exact: true }).fill('What is the LAB method?');
    await page.getByRole('textbox', { name: 'Message', exact: true }).press('Enter');
    await stats().first().waitFor({ timeout: 60_000 });
    expect(await stats().first().textContent()).toMatch(/\d+ tokens · [\d.]+ tok\/s · first token \d+ ms/);
    await page.getByRole('navigation', { name: 'Conversations' }).getByText('What is the LAB method?').waitFor();
    await shot('chat-answer');
  });

  it('stops a long answer and keeps the partial text', async () => {
    await settings({ maxTokens: '100000' });
    await page.getByRole('textbox', { name: 'Message', exact: true }).fill('Write a very long story');
    await page.getByRole('textbox', { name: 'Message', exact: true }).press('Enter');
    const stop = page.getByRole('button', { name: 'Stop' });
    await stop.waitFor();
    await page.waitForTimeout(300);
    await shot('chat-streaming');
    await stop.click();
    await page.getByText('stopped', { exact: true }).waitFor({ timeout: 15_000 });
    await expect.poll(() => stats().count()).toBe(2);
    await page.getByRole('button', { name: 'Send' }).waitFor();
    await shot('chat-stopped');
    await settings({ maxTokens: '48' });
  });

  it('regenerates as a branch and finds the conversation by search', async () => {
    await page.getByRole('button', { name: 'Regenerate' }).first().click();
    await page.getByText('1/2').or(page.getByText('2/2')).first().waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Send' }).waitFor({ timeout: 60_000 });
    await page.getByLabel('Search conversations').fill('LAB meth');
    await page
      .getByRole('navigation', { name: 'Conversations' })
      .getByText(/\[LAB\] \[method\]/)
      .waitFor();
    await shot('chat-search');
    await page.getByLabel('Search conversations').fill('');
  });

  it('compares two answers side by side', async () => {
    await page.getByText('Compare', { exact: true }).click();
    await page.getByLabel('Compare prompt').fill('Name three colours');
    await page.getByRole('button', { name: 'Compare' }).click();
    await page
      .getByText(/tokens · .* tok\/s/)
      .nth(1)
      .waitFor({ timeout: 60_000 });
    await shot('chat-compare');
    expect(session.problems).toEqual([]);
  });

  it('loads the model with its own settings, refusing ones that do not fit', async () => {
    await page.getByLabel('Mode').getByText('Chat', { exact: true }).click();
    await page.getByRole('button', { name: 'Load settings' }).click();
    const drawer = page.getByRole('dialog', { name: /^Load settings · / });
    await drawer.getByText('Prefilled from the fit estimate for this machine').waitFor();
    const context = drawer.getByLabel('Context length');
    expect(await context.inputValue()).toBe('512'); // the estimate: the trained context fits
    await drawer
      .getByTestId('load-fit')
      .getByText(/^Fits: .* on RAM\.$/)
      .waitFor();
    await shot('chat-load-settings');

    await context.fill('10000000');
    await drawer.getByText('These settings do not fit this machine').waitFor();
    await drawer.getByText(/tiny-chat with a 10000000-token context × 4 sequences needs .* but only/).waitFor();
    expect(await drawer.getByRole('button', { name: /^(Load|Reload)$/ }).isDisabled()).toBe(true);
    await shot('chat-load-settings-refused');
    await drawer.getByRole('button', { name: /^Use [\d,]+ tokens \(fits\)$/ }).click();
    await drawer
      .getByTestId('load-fit')
      .getByText(/^Fits:/)
      .waitFor();

    await context.fill('384');
    await drawer.getByLabel('Parallel sequences').fill('1');
    await drawer.getByLabel('CPU threads').fill('1');
    await drawer.getByLabel('Flash attention').getByText('Off').click();
    await drawer
      .getByTestId('load-fit')
      .getByText(/^Fits:/)
      .waitFor();
    await drawer.getByRole('button', { name: /^(Load|Reload)$/ }).click();
    const line = '384-token context · on the CPU · 1 thread · 1 sequence · flash attention off';
    await drawer.getByText(/^Loaded with these settings in [\d.]+ s\.$/).waitFor({ timeout: 30_000 });
    await drawer.getByTestId('loaded-line').getByText(line).waitFor();
    await shot('chat-load-settings-loaded');
    await page.keyboard.press('Escape');
    await drawer.waitFor({ state: 'hidden' });

    // Remembered: the drawer opens with them again, and the model answers with them.
    await page.getByRole('textbox', { name: 'Message', exact: true }).fill('Hello again');
    await page.getByRole('textbox', { name: 'Message', exact: true }).press('Enter');
    await page.getByRole('button', { name: 'Send' }).waitFor({ timeout: 60_000 });
    await page.getByRole('button', { name: 'Load settings' }).click();
    await drawer.getByText('Remembered for this model').waitFor();
    expect(await drawer.getByLabel('Context length').inputValue()).toBe('384');
    await drawer.getByTestId('loaded-line').getByText(line).waitFor();
    await page.keyboard.press('Escape');
    await drawer.waitFor({ state: 'hidden' });
  });

  it('shows the system prompt and the sampling preset in the header, which opens the settings', async () => {
    const summary = page.getByTestId('conversation-summary');
    await summary.getByText('You are a concise tutor.').waitFor();
    await summary.getByText('48 tokens').waitFor();
    await summary.click();
    const drawer = page.getByRole('dialog', { name: 'Conversation settings' });
    await drawer.getByLabel('Sampling preset').getByText('Precise').click();
    await drawer.getByLabel('Seed').fill('42');
    expect(await drawer.getByLabel('Max tokens').inputValue()).toBe('1024');
    await drawer.getByText('Focused, repeatable answers (facts, code).').waitFor();
    await shot('chat-sampling-presets');
    await drawer.getByRole('button', { name: 'Save' }).click();
    await drawer.waitFor({ state: 'hidden' });
    await summary.getByText('Precise · seed 42').waitFor();
    // The conversation's header: the model row and the summary below it.
    const box = (await summary.boundingBox())!;
    const top = (await page.getByRole('button', { name: 'Load settings' }).boundingBox())!;
    await page.screenshot({
      path: path.join(screenshotDir, 'chat-header-preset.png'),
      clip: { x: box.x - 8, y: top.y - 8, width: box.width + 16, height: box.y + box.height - top.y + 16 },
      animations: 'disabled',
    });
    await shot('chat-header');
    expect(session.problems).toEqual([]);
  });

  it('renders a Markdown answer: table, highlighted code, math, links by the shell rule, HTML as text', async () => {
    // The tiny model only babbles, so the answer is stored beside the server in the same SQLite file.
    const { db } = openDatabase(path.join(server.dataDir, 'labforge.db'));
    try {
      const store = new ConversationStore(db);
      const conv = store.create({ title: 'Markdown answer' });
      const q = store.addMessage({
        conversationId: conv.id,
        parentId: null,
        role: 'user',
        content: 'Summarise the run',
        state: 'complete',
        modelId: null,
      });
      store.addMessage({
        conversationId: conv.id,
        parentId: q.id,
        role: 'assistant',
        content: markdownAnswer,
        state: 'complete',
        modelId: null,
      });
    } finally {
      db.close();
    }
    for (const colorScheme of ['light', 'dark'] as const) {
      const s = await openApp(browser, server, { hash: '#/chat', colorScheme });
      const p = s.page;
      await p.getByRole('navigation', { name: 'Conversations' }).getByText('Markdown answer').click();
      const answer = p.getByLabel('Answer', { exact: true });
      await answer.getByRole('table').waitFor();
      expect(await answer.getByRole('row').count()).toBe(4);
      expect(await answer.locator('code.language-python .hljs-keyword').count()).toBeGreaterThan(2);
      expect(await answer.locator('.katex').count()).toBe(2);
      expect(await answer.locator('.katex-display').count()).toBe(1);
      const docs = answer.getByRole('link', { name: 'InstructLab docs' });
      expect(await docs.getAttribute('href')).toBe('https://docs.instructlab.ai/');
      expect(await docs.getAttribute('target')).toBe('_blank');
      expect(await answer.getByRole('link', { name: 'click me' }).count()).toBe(0);
      expect(await answer.locator('[href^="javascript"]').count()).toBe(0);
      expect(await answer.locator('img').count()).toBe(0);
      await answer.getByText('<img src=x onerror="alert(2)">', { exact: false }).waitFor();
      await answer.getByRole('checkbox').first().waitFor();
      await p.setViewportSize({ width: 1440, height: 1280 }); // the whole answer, not its scrolled tail
      await shot(colorScheme === 'light' ? 'chat-markdown' : 'chat-markdown-dark', p);
      expect(s.problems).toEqual([]);
      await s.context.close();
    }
  });
});
