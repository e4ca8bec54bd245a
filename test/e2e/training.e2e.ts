import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRAINER_PYTHON, hasTrainerEnv, tinyData, tinyModel } from '../helpers/tiny-kit.js';
import { launchBrowser, openApp, screenshotDir, startServer, waitFor, type Server, type Session } from './fixture.js';

// A model test: it trains the tiny model from the kit on the CPU through the real worker.
describe.runIf(hasTrainerEnv())('Runs page: train the tiny model in Chromium over `labforge serve`', () => {
  let work: string;
  let model: string;
  let data: string;
  let server: Server;
  let browser: Browser;
  let session: Session;
  let page: Page;

  const shot = (name: string): Promise<Buffer> =>
    page.screenshot({ path: path.join(screenshotDir, `${name}.png`), fullPage: true, animations: 'disabled' });
  const envCard = (): Locator => page.getByRole('region', { name: 'Training environment' });
  const run = (): Locator => page.getByRole('region', { name: /^Train tiny-model/ });
  const chart = (): Locator => run().getByRole('figure', { name: /^Loss chart of Train tiny-model/ });
  const plotted = async (): Promise<number> =>
    Number(
      /(\d+) points/.exec(
        (await chart()
          .getByText(/^\d+ points$/)
          .textContent()) ?? '',
      )?.[1] ?? 0,
    );

  beforeAll(async () => {
    mkdirSync(screenshotDir, { recursive: true });
    work = mkdtempSync(path.join(tmpdir(), 'labforge-e2e-train-'));
    [model, data, server, browser] = await Promise.all([
      tinyModel(path.join(work, 'tiny-model')),
      tinyData(path.join(work, 'data')),
      startServer(),
      launchBrowser(),
    ]);
    session = await openApp(browser, server, { hash: '#/runs' });
    page = session.page;
  });

  afterAll(async () => {
    await session?.context.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    await server?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('shows the honest empty state and a ready training environment', async () => {
    await page.getByRole('heading', { level: 1, name: 'Runs' }).waitFor();
    await page.getByText('No training runs yet').waitFor();
    const status = envCard().getByRole('status', { name: /^Training environment: (ready|not set up)$/ });
    await status.waitFor({ timeout: 30_000 });
    // python.status reports LabForge's own or an adopted environment; a checkout's native/.venv
    // (which the trainer falls back on) is adopted here through the UI, as a user would.
    if ((await status.getAttribute('aria-label')) !== 'Training environment: ready') {
      await envCard().getByRole('button', { name: 'Use an existing environment…' }).click();
      await envCard().getByLabel('Python interpreter of an existing environment').fill(path.resolve(TRAINER_PYTHON));
      await envCard().getByRole('button', { name: 'Check and use' }).click();
    }
    await envCard().getByRole('status', { name: 'Training environment: ready' }).waitFor({ timeout: 60_000 });
    await envCard().getByText('PyTorch', { exact: true }).waitFor();
  });

  it('validates the form before sending it', async () => {
    await page.getByRole('button', { name: 'New training run' }).first().click();
    const form = page.getByRole('form', { name: 'New training run' });
    await form.getByRole('button', { name: 'Start training' }).click();
    await form.getByText('The folder with the generated training data is required').waitFor();
    await form.getByText('The base model is required').waitFor();
    await form.getByLabel('Learning rate').fill('fast');
    await form.getByRole('button', { name: 'Start training' }).click();
    await form.getByText('Enter a number such as 2e-5 or 0.001').waitFor();
  });

  it('starts a two-phase LoRA run and the loss chart grows live', async () => {
    const form = page.getByRole('form', { name: 'New training run' });
    await form.getByLabel('Training data folder').fill(data);
    await form.getByLabel(/^Base model/).fill(model);
    await form.getByText('LoRA', { exact: true }).click();
    // The fit estimator's answer for this model on this machine, and its preset one click away.
    const fit = form.getByRole('region', { name: 'Training fit' });
    await fit.getByText(/^Fits this machine: .* on RAM$/).waitFor({ timeout: 30_000 });
    const presetText = fit.getByText(/^Preset for this hardware: \w+, fp32, max batch length \d+/);
    await presetText.waitFor();
    // The preset is the default: it has filled the settings nobody edited before any click.
    const presetLen = /max batch length (\d+)/.exec((await presetText.textContent()) ?? '')?.[1];
    await form.getByRole('button', { name: 'Advanced' }).click();
    await expect.poll(() => form.getByLabel('Max batch length').inputValue()).toBe(presetLen);
    await form.getByRole('button', { name: 'Advanced' }).click();
    await fit.getByRole('button', { name: 'Use preset' }).click();
    expect(await form.getByRole('button', { name: 'Advanced' }).getAttribute('aria-expanded')).toBe('true');
    expect(Number(await form.getByLabel('Max batch length').inputValue())).toBeGreaterThan(0);
    await shot('runs-new-form');
    // The settings the preset filled: precision, adapter layers, gradient checkpointing.
    await form.getByLabel('Gradient checkpointing').scrollIntoViewIfNeeded();
    expect(await form.getByLabel('Gradient checkpointing').isChecked()).toBe(true);
    await shot('runs-new-form-advanced');
    expect(await form.getByRole('checkbox', { name: /^Knowledge/ }).isChecked()).toBe(true);
    expect(await form.getByRole('checkbox', { name: /^Skills/ }).isChecked()).toBe(true);
    await form.getByLabel('Epochs').fill('3');
    await form.getByLabel('Learning rate').fill('0.003');
    await form.getByLabel('Effective batch size').fill('4');
    await form.getByLabel('Max batch length').fill('512');
    await form.getByLabel('Warmup steps').fill('1');
    await form.getByText('CPU', { exact: true }).click();
    await form.getByRole('button', { name: 'Start training' }).click();
    await form.waitFor({ state: 'hidden' });

    await page
      .getByRole('table', { name: 'Training runs' })
      .getByRole('button', { name: /^Show Train tiny-model/ })
      .waitFor();
    await run().waitFor();
    const first = await waitFor(async () => (await plotted()) >= 2 && plotted(), 'the first loss points', 60_000);
    const later = await waitFor(
      async () => {
        const n = await plotted();
        return n > first && n;
      },
      'more loss points',
      60_000,
    );
    expect(later).toBeGreaterThan(first);
    // Into phase 2 (18 steps per phase here), so the picture shows both curves and held-out dots.
    await waitFor(async () => (await plotted()) >= 22, 'the skills phase', 60_000);
    await shot('runs-training');
  });

  it('finishes with checkpoints scored on held-out data and a best checkpoint', async () => {
    await run().getByText('succeeded', { exact: true }).waitFor({ timeout: 90_000 });
    const table = run().getByRole('table', { name: 'Checkpoints' });
    await table.getByText('best', { exact: true }).first().waitFor();
    // Both phases wrote a checkpoint per epoch.
    const rows = (phase: RegExp) => table.getByRole('row').filter({ hasText: phase }).count();
    await waitFor(
      async () => (await rows(/^knowledge/i)) === 3 && (await rows(/^skills/i)) === 3,
      '3 checkpoints per phase',
      10_000,
    );
    expect(await run().getByLabel('Best checkpoint').textContent()).toContain('phase2-skills');
    await run().getByRole('button', { name: 'Export best checkpoint' }).waitFor();
    // The "finished" notification is fixed to the viewport; close it so it does not cover the page.
    const note = page.getByRole('alert').filter({ hasText: 'finished' });
    await note.getByRole('button').click();
    await note.waitFor({ state: 'hidden' });
    await shot('runs-done');
    expect(await plotted()).toBeGreaterThan(0);
    expect(session.problems).toEqual([]);
  });

  it('exports the best checkpoint to GGUF and shows the self-check', async () => {
    const exp = run().getByRole('region', { name: 'Export to GGUF' });
    await exp.getByLabel('Quantization').selectOption('f16');
    await exp.getByRole('button', { name: 'Export best checkpoint' }).click();
    const check = exp.getByText(/^\d+\/\d+ greedy answers identical$/);
    await check.waitFor({ timeout: 110_000 });
    // Every greedy answer of the GGUF equals the checkpoint's (N/N, and N > 0).
    const [same, total] = (await check.textContent())!.split(' ')[0]!.split('/').map(Number);
    expect(total).toBeGreaterThan(0);
    expect(same).toBe(total);
    // The file shown is the export in the data dir's models folder, and it is on disk.
    const shown = (await exp.getByText(/\.gguf$/).textContent())!.trim();
    expect(path.dirname(shown)).toBe(path.join(server.dataDir, 'models'));
    expect(existsSync(shown)).toBe(true);
    const note = page.getByRole('alert').filter({ hasText: 'finished' });
    await note.getByRole('button').click();
    await note.waitFor({ state: 'hidden' });
    await page.evaluate('window.scrollTo(0, 0); document.activeElement?.blur()');
    await shot('runs-export');
    expect(session.problems).toEqual([]);
  });

  it('reads well in a dark OS theme after a reload (metrics come back from training.metrics)', async () => {
    const dark = await openApp(browser, server, { colorScheme: 'dark', hash: '#/runs' });
    try {
      const chartDark = dark.page.getByRole('figure', { name: /^Loss chart of Train tiny-model/ });
      await waitFor(
        async () => Number(/\d+/.exec((await chartDark.getByText(/^\d+ points$/).textContent()) ?? '')?.[0]) >= 36,
        'all points',
        15_000,
      );
      await dark.page.getByRole('table', { name: 'Checkpoints' }).getByText('best', { exact: true }).first().waitFor();
      await dark.page.screenshot({
        path: path.join(screenshotDir, 'runs-dark.png'),
        fullPage: true,
        animations: 'disabled',
      });
      expect(dark.problems).toEqual([]);
    } finally {
      await dark.context.close();
    }
  });
});
