import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAi, type FakeOpenAiServer } from '../helpers/fake-openai-server.js';
import { FACT, factTeacherReply, makeFactTaxonomy, type FactTaxonomy } from '../helpers/pipeline-kit.js';
import { hasTrainerEnv, tinyModel } from '../helpers/tiny-kit.js';
import { launchBrowser, openApp, screenshotDir, startServer, type Server, type Session } from './fixture.js';

// The proof, by pointing and clicking: a taxonomy commit adds a fact the tiny base model cannot know;
// the wizard generates (with a deterministic teacher that is down at first), trains, evaluates,
// exports and chats; the tuned model names the fact, the base does not.
describe.runIf(hasTrainerEnv())('Pipeline wizard: teach the tiny model a fact', () => {
  let work: string;
  let server: Server;
  let teacher: FakeOpenAiServer;
  let port: number;
  let tax: FactTaxonomy;
  let student: string;
  let browser: Browser;
  let session: Session;
  let page: Page;
  const shot = (name: string): Promise<Buffer> =>
    page.screenshot({ path: path.join(screenshotDir, `pipeline-${name}.png`), fullPage: true, animations: 'disabled' });

  beforeAll(async () => {
    mkdirSync(screenshotDir, { recursive: true });
    work = mkdtempSync(path.join(tmpdir(), 'labforge-e2e-pipeline-'));
    [tax, student, server, browser, teacher] = await Promise.all([
      makeFactTaxonomy(work),
      tinyModel(path.join(work, 'student')),
      startServer({ env: { OMP_NUM_THREADS: '1' } }),
      launchBrowser(),
      startFakeOpenAi({ reply: factTeacherReply, models: ['fake-teacher'] }),
    ]);
    port = Number(new URL(teacher.url).port);
    await teacher.close(); // unreachable for the first attempt
    session = await openApp(browser, server, { hash: '#/pipeline' });
    page = session.page;
  }, 180_000);

  afterAll(async () => {
    await session?.context.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    await server?.close();
    await teacher?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('goes from a taxonomy change to a model that answers with the fact, resuming after a failed stage', async () => {
    try {
      await page.getByLabel('Taxonomy folder').fill(tax.taxonomy);
      await page.getByLabel('Diff base').fill(tax.baseCommit);
      await page.getByRole('button', { name: 'Models step' }).click();
      await page.getByRole('group', { name: 'Student' }).getByText('Folder').click();
      await page.getByLabel('Student path').fill(student);
      await page.getByRole('group', { name: 'Teacher' }).getByText('OpenAI-compatible URL').click();
      await page.getByLabel('Teacher URL').fill(teacher.url);
      await page.getByLabel('Teacher model name').fill('fake-teacher');
      // The fit estimate for the student on this machine; its preset fills the max batch length.
      await page
        .getByRole('region', { name: 'Training fit' })
        .getByText(/^Fits this machine: .* on RAM$/)
        .waitFor({ timeout: 30_000 });
      await shot('3-models');

      await page.getByRole('button', { name: 'Hardware step' }).click();
      await page.getByRole('combobox', { name: 'Method' }).click();
      await page.getByRole('option', { name: 'Full fine-tuning' }).click();
      await page.getByRole('combobox', { name: 'Device' }).click();
      await page.getByRole('option', { name: 'CPU' }).click();
      await page.getByLabel('Epochs').fill('25');
      await page.getByLabel('Learning rate').fill('5e-3');
      await page.getByRole('button', { name: 'Advanced settings' }).click();
      expect(Number(await page.getByLabel('Max batch length').inputValue())).toBeGreaterThan(0); // from the preset
      await page.getByLabel('Effective batch size').fill('4');
      await page.getByLabel('Max batch length').fill('2048');
      await page.getByLabel('Min sequence length').fill('1');
      await page.getByLabel('Warmup steps').fill('1');
      await page.getByLabel('Max new tokens').fill('32');
      await page.getByRole('combobox', { name: 'GGUF quantisation' }).click();
      await page.getByRole('option', { name: 'f16', exact: true }).click();
      await shot('2-hardware');

      // the leaves the taxonomy diff selects, and why
      await page.getByRole('button', { name: 'Taxonomy step' }).click();
      const leaves = page.getByRole('list', { name: 'Leaves to train' });
      await leaves.getByText('knowledge->geography->olmar').waitFor({ timeout: 60_000 });
      await leaves.getByText(/because added in a commit since/).waitFor();
      await shot('1-taxonomy');

      await page.getByRole('button', { name: 'Generate step' }).click();
      await page.getByLabel('Pipeline').getByText('Simple').click();
      await page.getByLabel('Scale').fill('4');
      await page.getByText('Checking…').first().waitFor({ state: 'detached', timeout: 60_000 });
      await page.getByText(/The whole run: about/).waitFor();
      await shot('4-generate-form');
      await page.getByRole('button', { name: 'Start run' }).click();

      // the teacher is down: the run stops at generate and says why
      const resume = page.getByRole('button', { name: 'Resume run' });
      await resume.waitFor({ timeout: 120_000 });
      await page
        .getByText(/failed in the generate stage/)
        .first()
        .waitFor();
      await page
        .getByText(/cannot be reached/)
        .first()
        .waitFor();
      await shot('5-stopped-at-generate');

      teacher = await startFakeOpenAi({ reply: factTeacherReply, models: ['fake-teacher'], port });
      await resume.click();
      const proceed = page.getByRole('button', { name: 'Continue to training' });
      await proceed.waitFor({ timeout: 120_000 });
      await page.getByText(FACT.keyword).first().waitFor(); // the samples to review
      await shot('6-review-samples');
      await proceed.click();

      await page.getByRole('region', { name: 'Train' }).waitFor({ timeout: 60_000 });
      await shot('7-training');

      // the wizard follows the run to the chat step; the finished stages stay readable
      await page.getByRole('region', { name: 'Chat' }).waitFor({ timeout: 600_000 });
      await page.getByRole('button', { name: 'Train step' }).click();
      await page
        .getByText(/final loss/i)
        .first()
        .waitFor();
      await shot('7-train');
      await page.getByRole('button', { name: 'Evaluate step' }).click();
      const scores = page.getByRole('table', { name: 'Base vs tuned' });
      await scores.waitFor();
      await page.getByRole('table', { name: 'Chosen checkpoints' }).waitFor();
      await shot('8-evaluate');

      await page.getByRole('button', { name: 'Export step' }).click();
      await page.getByText(tax.headCommit.slice(0, 7)).first().waitFor(); // the lineage names the taxonomy commit
      await shot('9-export');

      await page.getByRole('button', { name: 'Chat step' }).click();
      await page.getByLabel('Question for both models').fill(FACT.question);
      await page.getByRole('button', { name: 'Ask both' }).click();
      const tuned = page.getByRole('region', { name: 'Tuned answer' });
      const base = page.getByRole('region', { name: 'Base answer' });
      await tuned.getByText(FACT.keyword).first().waitFor({ timeout: 120_000 });
      await page.getByRole('button', { name: 'Ask both' }).waitFor({ timeout: 120_000 });
      await shot('10-chat');
      expect(await tuned.innerText()).toContain(FACT.keyword);
      expect(await base.innerText()).not.toContain(FACT.keyword);

      // the run is comparable on the Runs page
      await page.goto(`${server.origin}/#/runs`);
      await page.getByRole('table', { name: 'LAB runs' }).getByText(tax.headCommit.slice(0, 7)).waitFor();
      await shot('11-runs');
    } catch (e) {
      await shot('failure').catch(() => undefined);
      throw e;
    }
    expect(session.problems).toEqual([]);
  }, 900_000);
});
