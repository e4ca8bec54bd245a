import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, openApp, screenshotDir, startServer, type Server, type Session } from './fixture.js';

/** Real upstream files written before schema v3 (test/fixtures/taxonomy-upstream). */
const UPSTREAM = path.resolve('test/fixtures/taxonomy-upstream/files');
const SKILL = 'compositional_skills/extraction/receipt/plain_text/qna.yaml';
const KNOWLEDGE = 'knowledge/textbook/history/ibm_history/qna.yaml';

let server: Server;
let browser: Browser;
let session: Session;
let page: Page;

const shot = (name: string): Promise<Buffer> =>
  page.screenshot({
    path: path.join(screenshotDir, `taxonomy-upgrade-${name}.png`),
    fullPage: true,
    animations: 'disabled',
  });

describe('opening a taxonomy written before schema v3', () => {
  beforeAll(async () => {
    mkdirSync(screenshotDir, { recursive: true });
    server = await startServer();
    const root = path.join(server.dataDir, 'taxonomy');
    for (const [rel, blob] of [
      [SKILL, '1901bfc4'],
      [KNOWLEDGE, 'c9994431'],
    ] as const) {
      mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
      copyFileSync(path.join(UPSTREAM, blob, rel), path.join(root, rel));
    }
    execFileSync('git', ['init', '-q', '-b', 'main', root]);
    browser = await launchBrowser();
    session = await openApp(browser, server, { hash: '#/taxonomy' });
    page = session.page;
  });

  afterAll(async () => {
    await session?.context.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    await server?.close();
  });

  it('accepts a v1 skill as ilab does, says what v3 takes, and upgrades it', async () => {
    const tree = page.getByRole('navigation', { name: 'Taxonomy tree' });
    await tree.getByText('compositional_skills', { exact: true }).waitFor();
    await tree.getByText('plain_text', { exact: true }).click();
    await page.getByText(SKILL, { exact: true }).waitFor();
    const problems = page.getByRole('region', { name: 'Problems' });
    await problems.getByText(/^0 errors,/).waitFor();
    const offer = page.getByRole('region', { name: 'Schema upgrade' });
    await offer.getByText(/Schema version 1 \(there is no "version" key\)/).waitFor();
    await offer.getByText(/then it needs 2 more seed examples/).waitFor();
    await shot('v1-skill');
    await offer.getByRole('button', { name: 'Upgrade to version 3' }).click();
    await page.getByText(/Upgraded to version 3: added "version: 3"/).waitFor();
    // Now held to v3: too few seed examples is an error, and the YAML starts with the version.
    await problems.getByText(/needs at least 5 seed examples; it has 3/).waitFor();
    const editor = page.getByRole('textbox', { name: 'qna.yaml source' });
    expect((await editor.textContent())?.startsWith('version: 3')).toBe(true);
    await shot('v1-skill-upgraded');
  });

  it('refuses v1 knowledge with upstream words and restructures it on request', async () => {
    const tree = page.getByRole('navigation', { name: 'Taxonomy tree' });
    await tree.getByText('ibm_history', { exact: true }).click();
    await page.getByText(KNOWLEDGE, { exact: true }).waitFor();
    const offer = page.getByRole('region', { name: 'Schema upgrade' });
    await offer.getByText('ilab refuses version 1 knowledge').waitFor();
    await offer.getByText(/Version 1 is not supported for knowledge\. Minimum supported version is 3\./).waitFor();
    await shot('v1-knowledge');
    await offer.getByRole('button', { name: 'Upgrade to version 3' }).click();
    await page.getByText(/regrouped \d+ question\/answer seeds/).waitFor();
    const problems = page.getByRole('region', { name: 'Problems' });
    await problems.getByText(/"seed_examples\[0\]\.context" is empty/).waitFor();
    await shot('v1-knowledge-upgraded');
    expect(session.problems).toEqual([]);
    expect(readFileSync(path.join(server.dataDir, 'taxonomy', KNOWLEDGE), 'utf8')).not.toContain('version: 3');
  });
});
