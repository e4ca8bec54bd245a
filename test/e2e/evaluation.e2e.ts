import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { writeEvalTaxonomy } from '../helpers/eval-kit.js';
import { judgeReply } from '../helpers/fake-judge.js';
import { startFakeOpenAi, type FakeOpenAiServer } from '../helpers/fake-openai-server.js';
import { hasTrainerEnv, tinyData, tinyModel } from '../helpers/tiny-kit.js';
import { launchBrowser, openApp, screenshotDir, startServer, type Server, type Session } from './fixture.js';

/** One API call over the server's WebSocket (what the renderer does), to start the run with evaluation settings. */
function call(server: Server, method: string, params: unknown): Promise<{ id: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${server.origin.replace('http', 'ws')}/ws?token=${server.token}`, {
      headers: { origin: server.origin },
    });
    ws.once('open', () => ws.send(JSON.stringify({ t: 'call', id: 1, method, params })));
    ws.on('message', (raw) => {
      const m = JSON.parse(String(raw)) as { t: string; id?: number; ok?: boolean; value?: unknown; error?: unknown };
      if (m.t !== 'result' || m.id !== 1) return;
      ws.close();
      if (m.ok) resolve(m.value as { id: string });
      else reject(new Error(JSON.stringify(m.error)));
    });
    ws.once('error', reject);
  });
}

// A model test: a two-phase run on the tiny model whose checkpoints are picked by evaluation, then compared on the Runs page.
describe.runIf(hasTrainerEnv())('Runs page: base against candidates, with the chosen checkpoint', () => {
  let work: string;
  let server: Server;
  let judge: FakeOpenAiServer;
  let browser: Browser;
  let session: Session;
  let page: Page;
  const shot = (name: string, fullPage = true): Promise<Buffer> =>
    page.screenshot({ path: path.join(screenshotDir, `${name}.png`), fullPage, animations: 'disabled' });

  beforeAll(async () => {
    mkdirSync(screenshotDir, { recursive: true });
    work = mkdtempSync(path.join(tmpdir(), 'labforge-e2e-eval-'));
    let model: string;
    let data: string;
    [model, data, server, browser, judge] = await Promise.all([
      tinyModel(path.join(work, 'tiny-model')),
      tinyData(path.join(work, 'data')),
      startServer({ env: { OMP_NUM_THREADS: '1' } }),
      launchBrowser(),
      startFakeOpenAi({ reply: judgeReply, models: ['fake-judge'] }),
    ]);
    writeEvalTaxonomy(path.join(work, 'taxonomy'));
    await call(server, 'training.start', {
      data,
      baseModel: model,
      phases: ['knowledge', 'skills'],
      epochs: 2,
      learningRate: 3e-3,
      warmupSteps: 1,
      effectiveBatchSize: 8,
      maxBatchLen: 512,
      minSeqLen: 1,
      device: 'cpu',
      python: path.resolve('native/.venv/bin/python'),
      evaluation: { taxonomy: path.join(work, 'taxonomy'), judge: judge.url, maxNewTokens: 8 },
    });
    session = await openApp(browser, server, { hash: '#/runs' });
    page = session.page;
  }, 180_000);

  afterAll(async () => {
    await session?.context.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    await server?.close();
    await judge?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('shows per-leaf bars, wins and losses, the judge reason and the rule that chose each checkpoint', async () => {
    const run = page.getByRole('region', { name: /^Train tiny-model/ });
    await run.waitFor({ timeout: 30_000 });
    const evaluation = run.getByRole('region', { name: 'Evaluation' });
    await evaluation.getByLabel('skills checkpoint choice').waitFor({ timeout: 400_000 });
    const knowledge = evaluation.getByLabel('knowledge checkpoint choice');
    await expect(knowledge.getByLabel('Rule').textContent()).resolves.toBe('by MMLU-branch + fact recall');
    await expect(evaluation.getByLabel('skills checkpoint choice').getByLabel('Rule').textContent()).resolves.toBe(
      'by MT-Bench-branch + knowledge retention',
    );
    await expect(knowledge.getByText(/^chosen: /).textContent()).resolves.toMatch(/epoch-\d/);

    // the chosen skills checkpoint's report opens first, on MT-Bench-branch with its per-leaf chart
    await evaluation
      .getByRole('combobox', { name: 'Candidate' })
      .getByRole('option', { selected: true, name: /^skills: .* — chosen$/ })
      .waitFor({ state: 'attached' })
      .catch(async (e: unknown) => {
        await shot('evaluation-failure');
        throw e;
      });
    await expect(evaluation.getByRole('combobox', { name: 'Candidate' }).inputValue()).resolves.not.toBe('');
    await evaluation.getByText('MT-Bench-branch (skills)', { exact: true }).click();
    await evaluation.getByRole('img', { name: /MT-Bench-branch \(skills\) per leaf/ }).waitFor();
    await evaluation.getByLabel('Wins and losses').waitFor();
    expect(await evaluation.getByRole('table', { name: 'Questions' }).getByRole('row').count()).toBe(6);
    await page.evaluate('window.scrollTo(0, 0); document.activeElement?.blur()');
    await shot('evaluation-runs-page');

    await evaluation
      .getByRole('button', { name: /^Why: / })
      .first()
      .click();
    const dialog = page.getByRole('dialog', { name: "Question, answers and the judge's reasons" });
    await dialog
      .getByLabel('Candidate answer')
      .getByText(/^Reason: (mentions|does not mention) "/)
      .waitFor();
    await shot('evaluation-judge-reason', false);
    await page.keyboard.press('Escape');

    await evaluation.getByText('MMLU-branch (knowledge)', { exact: true }).click();
    await evaluation.getByRole('img', { name: /MMLU-branch \(knowledge\) per leaf/ }).waitFor();
    expect(session.problems).toEqual([]);
  }, 600_000);
});
