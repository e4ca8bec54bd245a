import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, openApp, screenshotDir, startServer, type Server, type Session } from './fixture.js';

let server: Server;
let browser: Browser;
let session: Session;
let page: Page;

const shot = (name: string): Promise<Buffer> =>
  page.screenshot({ path: path.join(screenshotDir, `taxonomy-${name}.png`), fullPage: true, animations: 'disabled' });

const phoenix = readFileSync(path.resolve('test/fixtures/taxonomy/valid/knowledge-phoenix.yaml'), 'utf8');

describe('the Taxonomy page', () => {
  beforeAll(async () => {
    mkdirSync(screenshotDir, { recursive: true });
    server = await startServer();
    browser = await launchBrowser();
    session = await openApp(browser, server, { hash: '#/taxonomy' });
    page = session.page;
  });

  afterAll(async () => {
    await session?.context.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    await server?.close();
  });

  it('creates a taxonomy from the template', async () => {
    await page.getByRole('heading', { level: 1, name: 'Taxonomy' }).waitFor();
    await page.getByRole('button', { name: 'Create new taxonomy' }).click();
    const tree = page.getByRole('navigation', { name: 'Taxonomy tree' });
    for (const top of ['knowledge', 'compositional_skills', 'foundational_skills'])
      await tree.getByText(top, { exact: true }).waitFor();
    await page.getByText('Nothing new to train').waitFor();
  });

  it('creates a knowledge entry with the wizard and shows its lint errors', async () => {
    await page.getByRole('button', { name: 'New entry' }).first().click();
    const wizard = page.getByRole('dialog', { name: 'New taxonomy entry' });
    await wizard.getByRole('button', { name: 'Next' }).click();
    await wizard.getByLabel('Folder').fill('science/astronomy/phoenix');
    await wizard.getByRole('button', { name: 'Next' }).click();
    await wizard.getByLabel('Created by').fill('ada');
    await wizard.getByLabel('Domain').fill('astronomy');
    await wizard.getByLabel('Title of the work').fill('Phoenix (constellation)');
    await wizard.getByLabel('License (SPDX)').fill('CC-BY-SA-4.0');
    await wizard.getByRole('button', { name: 'Create entry' }).click();
    await wizard.waitFor({ state: 'hidden' });

    await page.getByText('knowledge/science/astronomy/phoenix/qna.yaml', { exact: true }).waitFor();
    const problems = page.getByRole('region', { name: 'Problems' });
    await problems.getByText(/^\d+ errors,/).waitFor();
    await problems.getByText(/"document_outline" is empty: write something here\./).waitFor();
    // Lint markers in the editor come from the same validator.
    await page.locator('.cm-lintRange-error').first().waitFor();
    await shot('lint-errors');
  });

  it('edits through the form view, which writes back into the YAML', async () => {
    await page.getByText('Form', { exact: true }).click();
    await page.getByLabel('Document outline').fill('The Phoenix constellation: history and stars.');
    await page
      .getByRole('region', { name: 'Seed example 1' })
      .getByLabel('Context', { exact: true })
      .fill('**Phoenix** is a minor constellation in the southern sky.');
    await page.getByRole('button', { name: 'Ask the model first' }).first().hover();
    await page.getByText('Load a chat model first').first().waitFor();
    await shot('form');
    await page.getByText('YAML', { exact: true }).click();
    // The validator now reads the outline from the YAML the form wrote.
    const problems = page.getByRole('region', { name: 'Problems' });
    await problems.getByText(/"document_outline" is empty/).waitFor({ state: 'detached' });
    await problems.getByText(/"seed_examples\[1\]\.context" is empty/).waitFor();
    expect(await problems.getByText(/"seed_examples\[0\]\.context" is empty/).count()).toBe(0);
  });

  it('fixes the errors in the YAML, saves with cosmetic fixes, and reports no problems', async () => {
    const editor = page.getByRole('textbox', { name: 'qna.yaml source' });
    await editor.click();
    await page.keyboard.press('ControlOrMeta+a');
    // Trailing spaces and a blank last line: upstream rejects them, LabForge repairs them on save.
    await page.keyboard.insertText(`${phoenix.replace('created_by: stargazer', 'created_by: ada   ')}\n`);
    const problems = page.getByRole('region', { name: 'Problems' });
    await problems.getByText(/^0 errors,/).waitFor();
    await problems.getByText(/fixed automatically on save/).waitFor();
    await page.getByRole('button', { name: 'Save file' }).click();
    await problems.getByText(/^No problems/).waitFor();
    await page.getByText(/Saved with cosmetic fixes/).waitFor();
    await shot('saved');
  });

  it('commits the entry and shows it in the training diff with the reason', async () => {
    await page.getByRole('button', { name: /Review & commit/ }).click();
    const dialog = page.getByRole('dialog', { name: 'Review and commit' });
    await dialog.getByText('knowledge/science/astronomy/phoenix/qna.yaml').waitFor();
    await dialog.getByText('new file, not committed yet').first().waitFor();
    await dialog.getByText('knowledge/science/astronomy/phoenix/qna.yaml').click();
    await dialog.getByLabel('File diff').waitFor();
    await dialog.getByLabel('Commit message').fill('Add Phoenix constellation knowledge');
    await dialog.getByLabel('Author name').fill('Ada Lovelace');
    await dialog.getByLabel('Author email').fill('ada@example.com');
    await shot('commit');
    await dialog.getByRole('button', { name: /^Commit 2 files$/ }).click();
    await dialog.waitFor({ state: 'hidden' });
    const diff = page.getByRole('region', { name: 'Training diff' });
    await diff.getByText('This leaf will be trained').waitFor();
    await diff.getByText('knowledge->science->astronomy->phoenix').waitFor();
    await diff.getByText(/because: added in a commit since/).waitFor();
    await shot('committed');
    expect(session.problems).toEqual([]);
  });
});
