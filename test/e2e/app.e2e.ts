import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, openApp, screenshotDir, startServer, waitFor, type Server, type Session } from './fixture.js';

const pages = ['Dashboard', 'Models', 'Taxonomy', 'Pipeline', 'Runs', 'Chat', 'Jobs'] as const;

let server: Server;
let browser: Browser;
let session: Session;
let page: Page;

const shot = (name: string, p: Page = page): Promise<Buffer> =>
  p.screenshot({ path: path.join(screenshotDir, `${name}.png`), fullPage: true, animations: 'disabled' });

async function goTo(name: (typeof pages)[number]): Promise<void> {
  await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name, exact: true }).click();
  await page.getByRole('heading', { level: 1, name }).waitFor();
}

const diskSection = (): ReturnType<Page['getByRole']> => page.getByRole('region', { name: 'Disk speed' });

/** Closes the job notices (bottom right); they cover the Dashboard's lower cards until closed. */
async function dismissNotices(): Promise<void> {
  for (const notice of await page
    .getByRole('alert')
    .filter({ hasText: /finished/ })
    .all())
    await notice.getByRole('button').click();
}

describe('LabForge in Chromium over `labforge serve`', () => {
  beforeAll(async () => {
    mkdirSync(screenshotDir, { recursive: true });
    server = await startServer();
    browser = await launchBrowser();
    session = await openApp(browser, server);
    page = session.page;
  });

  afterAll(async () => {
    await session?.context.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    await server?.close();
  });

  it('loads, drops the token from the address and connects the WebSocket under the CSP', async () => {
    expect(new URL(page.url()).search).toBe('');
    await page.getByRole('status', { name: 'Connection: Connected' }).waitFor({ timeout: 15_000 });
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
    expect(await page.title()).toBe('Dashboard · LabForge');
    expect(session.problems).toEqual([]);
  });

  it('scans by itself on the first launch, rescans on request and shows the result on the dashboard', async () => {
    const hardware = page.getByRole('region', { name: 'Hardware' });
    await hardware.getByText('Processor', { exact: true }).waitFor({ timeout: 60_000 });
    await page.getByRole('alert').filter({ hasText: 'Hardware scan finished' }).first().waitFor();
    await hardware.getByRole('button', { name: 'Scan hardware' }).click();
    await hardware.getByText('Processor', { exact: true }).waitFor({ timeout: 60_000 });
    await hardware.getByText(/Scanned just now/).waitFor();
    const cpu = await hardware.getByText(/\d+ cores · \d+ threads/).textContent();
    expect(cpu).toMatch(/cores/);
    // GPUs are listed, or the page says honestly that there are none.
    const gpuCount = await hardware.getByText(/^GPU \d+:/).count();
    if (gpuCount === 0) await hardware.getByText('No GPU found', { exact: true }).waitFor();
    const readiness = page.getByRole('region', { name: 'Readiness' });
    for (const cap of [
      'Chat with a 7B model',
      'Synthetic data (local 7B teacher)',
      'Training (Granite 3.1 8B)',
      'Disk space',
    ]) {
      await readiness
        .getByRole('listitem')
        .filter({ has: page.getByText(cap, { exact: true }) })
        .getByText(/^(Ready|Limited|Not available)$/)
        .waitFor();
    }
    await page.getByRole('region', { name: 'Profile' }).getByLabel('Hardware profile').waitFor();
    await shot('dashboard-this-machine');
    await dismissNotices();
  });

  it('runs a short disk speed test to the end and shows MB/s', async () => {
    const disk = diskSection();
    await disk.getByLabel('Test size').selectOption('256');
    await disk.getByRole('button', { name: 'Test disk speed' }).click();
    await disk.getByText('succeeded').waitFor({ timeout: 60_000 });
    const write = await disk.getByLabel('Write speed').textContent();
    expect(write).toMatch(/\d/);
  });

  it('follows a long disk test, cancels it, and still sees it cancelled after a reload', async () => {
    const disk = diskSection();
    await dismissNotices(); // the short test's notice sits over the bottom right, where this card's button is
    await disk.getByLabel('Test size').selectOption('8192');
    await disk.getByRole('button', { name: 'Test disk speed' }).click();
    const bar = disk.getByRole('progressbar', { name: 'Disk speed test (8192 MB) progress' });
    await bar.waitFor();
    const value = async (): Promise<number> => Number(await bar.getAttribute('aria-valuenow'));
    // Shared CI disks stall at times (fsync every 64 MiB), so be patient; this is no speed test.
    const first = await waitFor(
      async () => (await value()) > 0 && (await value()) < 100 && (await value()),
      'the progress bar to start',
      60_000,
    );
    const later = await waitFor(
      async () => {
        const v = await value();
        return v > first && v;
      },
      'the progress bar to advance',
      60_000,
    );
    expect(later).toBeGreaterThan(first);

    // The header shows it as running, and the jobs drawer lists it live.
    await page.getByRole('button', { name: 'Jobs panel, 1 running' }).click();
    const drawer = page.getByRole('dialog', { name: 'Jobs' });
    await drawer.getByRole('progressbar', { name: 'Disk speed test (8192 MB) progress' }).waitFor();
    await shot('jobs-drawer');
    await drawer.getByRole('button', { name: 'Close jobs panel' }).click();
    await drawer.waitFor({ state: 'hidden' });

    await disk.getByRole('button', { name: 'Cancel Disk speed test (8192 MB)' }).click();
    await disk.getByText('cancelled', { exact: true }).waitFor({ timeout: 20_000 });
    await page.getByRole('alert').filter({ hasText: 'cancelled' }).first().waitFor();
    expect(await page.getByRole('alert').filter({ hasText: 'failed' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Jobs panel, 0 running' }).waitFor();

    await page.reload();
    await page.getByRole('status', { name: 'Connection: Connected' }).waitFor();
    await diskSection().getByText('cancelled', { exact: true }).waitFor();
    await expect(diskSection().getByRole('button', { name: 'Cancel Disk speed test (8192 MB)' }).count()).resolves.toBe(
      0,
    );
  });

  it('shows every page, keeps it across a reload, and saves screenshots', async () => {
    for (const name of pages) {
      await goTo(name);
      const link = page.getByRole('link', { name, exact: true });
      expect(await link.getAttribute('aria-current')).toBe('page');
      await page.waitForTimeout(300); // let notifications and transitions settle
      await shot(name.toLowerCase());
    }
    await goTo('Taxonomy');
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Taxonomy' }).waitFor();
    expect(page.url()).toMatch(/#\/taxonomy$/);
  });

  it('shows job details with the log on the Jobs page', async () => {
    await goTo('Jobs');
    const table = page.getByRole('table', { name: 'All jobs' });
    expect(await table.getByRole('row').count()).toBeGreaterThanOrEqual(4); // header + scan + 2 disk tests
    await table.getByRole('button', { name: 'Details of Disk speed test (256 MB)' }).click();
    const log = page.getByRole('log', { name: 'Log of Disk speed test (256 MB)' });
    await log.getByText(/Write: \d+ MB\/s/).waitFor();
    await shot('jobs-details');
  });

  it('is usable by keyboard: skip link, then focus lands on the content', async () => {
    await goTo('Dashboard');
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
    await page.keyboard.press('Tab');
    const focused = await page.evaluate<string | undefined>('document.activeElement?.textContent');
    expect(focused).toBe('Skip to content');
    await page.keyboard.press('Enter');
    expect(await page.evaluate<string | undefined>('document.activeElement?.id')).toBe('main-content');
  });

  it('follows a dark OS theme', async () => {
    const dark = await openApp(browser, server, { colorScheme: 'dark', hash: '#/dashboard' });
    try {
      await dark.page.getByRole('status', { name: 'Connection: Connected' }).waitFor();
      await dark.page.getByRole('region', { name: 'Hardware' }).getByText('Processor', { exact: true }).waitFor();
      expect(await dark.page.evaluate<string | undefined>('document.documentElement.dataset.mantineColorScheme')).toBe(
        'dark',
      );
      await shot('dashboard-dark', dark.page);
      expect(dark.problems).toEqual([]);
    } finally {
      await dark.context.close();
    }
  });

  it('logged no console errors', () => {
    expect(session.problems).toEqual([]);
  });
});
