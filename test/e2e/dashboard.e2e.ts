import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeNvidiaSmiPath } from '../helpers/fake-tools.js';
import { tempDir } from '../helpers/temp-dir.js';
import { launchBrowser, openApp, screenshotDir, startServer, waitFor, type Server, type Session } from './fixture.js';

/**
 * The Dashboard on an 8× A100 machine: `labforge serve` runs with a fake nvidia-smi first on PATH
 * that answers with recorded 8× A100 output (no GPU machine here). The first launch scans by
 * itself; the GPU cards, the readiness checklist and the profile come from the core's report;
 * while a job runs, the cards show live numbers from `hardware.gpuStats`.
 */
describe('Dashboard: GPU cards, readiness and profile (fake 8× A100 nvidia-smi)', () => {
  const dir = tempDir('labforge-e2e-gpu-');
  let server: Server;
  let browser: Browser;
  let session: Session;
  let page: Page;

  beforeAll(async () => {
    mkdirSync(screenshotDir, { recursive: true });
    server = await startServer({ env: { PATH: fakeNvidiaSmiPath(dir.path, '8xa100') } });
    browser = await launchBrowser();
    session = await openApp(browser, server);
    page = session.page;
  });
  afterAll(async () => {
    await session?.context.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    await server?.close();
    dir.remove();
  });

  it('scans by itself on the first launch and shows one card per GPU with a VRAM bar', async () => {
    const hardware = page.getByRole('region', { name: 'Hardware' });
    await hardware.getByText('GPU 7: NVIDIA A100-SXM4-80GB').waitFor({ timeout: 90_000 });
    expect(await hardware.getByRole('article').count()).toBe(8);
    const bar = hardware.getByRole('progressbar', { name: 'GPU 7 memory in use' });
    expect(Number(await bar.getAttribute('aria-valuenow'))).toBeGreaterThan(5); // 7.9 GB of 80 GB used
    await hardware
      .getByRole('article', { name: 'GPU 0' })
      .getByText(/driver 535\.129\.03 · CUDA 12\.4 · compute 8\.0/)
      .waitFor();
  });

  it('shows the readiness checklist with reasons and the RHEL AI profile', async () => {
    const readiness = page.getByRole('region', { name: 'Readiness' });
    const checks = readiness.getByRole('list', { name: 'Readiness checks' }).getByRole('listitem');
    await checks.first().waitFor();
    const gpu = checks.filter({ hasText: 'GPU' }).first();
    await gpu.getByText('Ready').waitFor();
    await gpu.getByText('8 GPUs for training: 8× NVIDIA A100-SXM4-80GB, 80 GB.').waitFor();
    await checks.filter({ hasText: 'NVIDIA driver' }).getByText('Driver 535.129.03, CUDA 12.4.').waitFor();
    await checks
      .filter({ hasText: 'Training (Granite 3.1 8B)' })
      .getByText(/Full fine-tuning of Granite 3\.1 8B fits on 8 GPUs/)
      .waitFor();
    const profile = page.getByRole('region', { name: 'Profile' });
    await profile.getByLabel('Hardware profile').getByText('8× A100 80 GB').waitFor();
    await profile.getByText('a RHEL AI reference configuration', { exact: false }).waitFor();
    await profile.getByText('Full fine-tuning', { exact: true }).waitFor();
  });

  it('polls live GPU numbers while a job runs, and stops when it ends', async () => {
    const disk = page.getByRole('region', { name: 'Disk speed' });
    await disk.getByLabel('Test size').selectOption('8192');
    await disk.getByRole('button', { name: 'Test disk speed' }).click();
    const hardware = page.getByRole('region', { name: 'Hardware' });
    await hardware
      .getByText(/via nvidia-smi · live/)
      .first()
      .waitFor({ timeout: 30_000 });
    await hardware.getByRole('progressbar', { name: 'GPU 3 utilisation' }).waitFor();
    await page.screenshot({
      path: path.join(screenshotDir, 'dashboard-8xa100-live.png'),
      fullPage: true,
      animations: 'disabled',
      timeout: 90_000,
    });
    await disk.getByRole('button', { name: /Cancel/ }).click();
    await waitFor(async () => (await hardware.getByText(/· live/).count()) === 0, 'the live numbers to stop', 30_000);
    expect(session.problems).toEqual([]);
  });

  it('writes a diagnostics bundle into the data folder and shows its path and size', async () => {
    // The disk test's "cancelled" notice would cover the card in the screenshot: let it close.
    await waitFor(async () => (await page.getByRole('alert').count()) === 0, 'notifications to close', 30_000);
    const diag = page.getByRole('region', { name: 'Diagnostics' });
    await diag.getByRole('button', { name: 'Diagnostics bundle' }).click();
    const done = diag.getByRole('status');
    await done.getByText('Diagnostics bundle written').waitFor({ timeout: 30_000 });
    const file = (await done.getByLabel('Bundle path').textContent()) ?? '';
    const text = (await done.textContent()) ?? '';
    const m = /labforge-diagnostics-[\dTZ-]+\.zip([\d.]+) [KM]B, (\d+) files, (\d+) values redacted\./.exec(text);
    expect(m, text).not.toBeNull();
    expect(path.dirname(file)).toBe(path.join(server.dataDir, 'diagnostics'));
    expect(existsSync(file)).toBe(true); // on the server's disk: the browser only shows where
    expect(Number(m![2])).toBeGreaterThanOrEqual(6);
    await page.evaluate('window.scrollTo(0, 0); document.activeElement?.blur()');
    await page.screenshot({
      path: path.join(screenshotDir, 'diagnostics.png'),
      fullPage: true,
      animations: 'disabled',
      timeout: 90_000,
    });
    expect(session.problems).toEqual([]);
  });
});
