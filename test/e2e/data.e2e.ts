import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAi, type FakeOpenAiServer } from '../helpers/fake-openai-server.js';
import { makeSdgTaxonomy, sdgReply } from '../helpers/sdg-fixtures.js';
import { launchBrowser, openApp, screenshotDir, startServer, waitFor, type Server, type Session } from './fixture.js';

let server: Server;
let teacher: FakeOpenAiServer;
let browser: Browser;
let session: Session;
let page: Page;

const shot = (name: string): Promise<Buffer> =>
  page.screenshot({ path: path.join(screenshotDir, `data-${name}.png`), fullPage: true, animations: 'disabled' });

const knowledgeFile = (): string | null => {
  const runs = path.join(server.dataDir, 'runs');
  for (const id of readdirSync(runs)) {
    const dir = path.join(runs, id, 'sdg');
    const f = readdirSync(dir).find((n) => n.startsWith('knowledge_train_msgs_'));
    if (f) return path.join(dir, f);
  }
  return null;
};

// Holds the teacher's replies after the first few (the first leaf's questions), so the page can be
// looked at mid-run.
let hold: { promise: Promise<void>; resolve: () => void } | null = null;
let held = 0;

describe('the Data page', () => {
  beforeAll(async () => {
    mkdirSync(screenshotDir, { recursive: true });
    teacher = await startFakeOpenAi({
      models: ['mixtral-8x7b-instruct'],
      // A little latency, so progress is visible while it runs.
      reply: async (ctx) => {
        if (hold && ++held > 8) await hold.promise;
        return { text: sdgReply(ctx), delayMs: 15 };
      },
    });
    server = await startServer();
    // The app opens <data dir>/taxonomy by default.
    await makeSdgTaxonomy(server.dataDir, { leaves: ['knowledge', 'freeform'] });
    browser = await launchBrowser();
    session = await openApp(browser, server, { hash: '#/data' });
    page = session.page;
  });

  afterAll(async () => {
    await session?.context.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    await server?.close();
    await teacher?.close();
  });

  it('shows the leaves and flows a run would use', async () => {
    await page.getByRole('heading', { level: 1, name: 'Data' }).waitFor();
    await page.getByRole('textbox', { name: /^Teacher\s*\*?$/ }).fill(teacher.url);
    await page.getByLabel('Taxonomy base').fill('empty');
    const leaves = page.getByRole('table', { name: 'Selected leaves' });
    await leaves.getByText('knowledge->astronomy->phoenix').waitFor();
    await leaves.getByText('full-freeform-skills.yaml').waitFor();
    await page.getByRole('button', { name: /Flow full-knowledge\.yaml/ }).click();
    await page.getByText('name: judge_faithfulness').waitFor();
    await shot('form');
  });

  it('generates against the endpoint, shows the funnel, and a discarded sample leaves the training set', async () => {
    let resolve = (): void => undefined;
    const promise = new Promise<void>((r) => (resolve = r));
    hold = { promise, resolve };
    await page.getByRole('button', { name: 'Generate', exact: true }).click();
    // The teacher's replies show up as they arrive, before the filters have run.
    const arriving = page.locator('[aria-label="Arriving from the teacher"]');
    await arriving
      .getByText(/generated question\?/)
      .first()
      .waitFor({ timeout: 60_000 });
    // With the teacher quiet, the leaf's progress still shows where it is (the last status is sent).
    await page
      .getByRole('table', { name: 'Progress per leaf' })
      .getByText(/judge_question \d+\/\d+/)
      .waitFor();
    await shot('arriving');
    hold.resolve();
    hold = null;
    await page.getByRole('button', { name: 'Train on this dataset' }).waitFor({ timeout: 90_000 });
    await arriving.waitFor({ state: 'detached' });
    const funnel = page.getByRole('figure', { name: /Kept and dropped samples/ });
    await funnel.locator('.recharts-bar-rectangle').first().waitFor();
    // The funnel's numbers, not only its bars (the chart's text alternative lists every step).
    await funnel.getByText('relevancy: 20 kept, 10 dropped').waitFor({ state: 'attached' });
    const table = page.getByRole('table', { name: 'Progress per leaf' });
    await table.getByText('knowledge->astronomy->phoenix').waitFor();

    await page.getByRole('combobox', { name: 'Leaf' }).click();
    await page.getByRole('option', { name: 'knowledge->astronomy->phoenix' }).click();
    const samples = page.getByRole('table', { name: 'Generated samples' });
    const first = samples.locator('tbody tr').first();
    const question = (await first.locator('td').first().innerText()).trim();
    expect(question.length).toBeGreaterThan(0);
    const file = await waitFor(async () => knowledgeFile(), 'the knowledge training file');
    expect(readFileSync(file, 'utf8').includes(question)).toBe(true);
    await page.getByRole('button', { name: 'Discard sample 1', exact: true }).click();
    await page.getByRole('button', { name: 'Keep sample 1', exact: true }).waitFor();
    await waitFor(async () => !readFileSync(file, 'utf8').includes(question), 'the sample to leave the training file');
    await page.getByText(/1 discarded/).waitFor();
    await shot('funnel');
    await page
      .locator('[aria-label="Generation run"]')
      .screenshot({ path: path.join(screenshotDir, 'data-run.png'), animations: 'disabled' });
    // One click from the finished dataset to a training run on its files.
    await page.getByRole('button', { name: 'Train on this dataset' }).click();
    const dialog = page.getByRole('dialog', { name: 'Train on this dataset' });
    await dialog.getByText(/Phases: knowledge then skills/).waitFor();
    await dialog.getByRole('button', { name: 'Start training' }).waitFor();
    await page.keyboard.press('Escape');
    expect(session.problems).toEqual([]);
  });
});
