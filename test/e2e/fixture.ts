import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

const root = path.resolve(import.meta.dirname, '../..');
export const screenshotDir = path.join(root, 'test-results', 'screenshots');

export interface Server {
  /** The URL printed by `labforge serve`, token included. */
  url: string;
  /** `http://127.0.0.1:PORT` */
  origin: string;
  token: string;
  dataDir: string;
  close(): Promise<void>;
}

/** Starts `labforge serve` on a free port with a fresh data dir (run `npm run build` first); `env` adds variables (HF_ENDPOINT...). */
export async function startServer(opts: { env?: NodeJS.ProcessEnv } = {}): Promise<Server> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'labforge-e2e-'));
  const proc = spawn(
    process.execPath,
    ['bin/labforge.mjs', 'serve', '--port', '0', '--no-open', '--data-dir', dataDir],
    {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...opts.env },
    },
  );
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const close = async (): Promise<void> => {
    await stop(proc);
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(
        () => reject(new Error(`labforge serve printed no URL in 30 s. stderr: ${stderr}`)),
        30_000,
      );
      proc.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /LabForge listening on (http:\/\/\S+)/.exec(out);
        if (m?.[1]) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      proc.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`labforge serve exited with ${code}. stderr: ${stderr}`));
      });
    });
    const u = new URL(url);
    return { url, origin: u.origin, token: u.searchParams.get('token') ?? '', dataDir, close };
  } catch (err) {
    await close();
    throw err;
  }
}

async function stop(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/** Debian's Chromium, headless; playwright gives every launch a fresh temporary profile. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export interface Session {
  context: BrowserContext;
  page: Page;
  /** Console errors and uncaught exceptions seen so far (CSP violations land here too). */
  problems: string[];
}

export async function openApp(
  browser: Browser,
  server: Server,
  opts: { colorScheme?: 'light' | 'dark'; hash?: string } = {},
): Promise<Session> {
  const context = await browser.newContext({
    colorScheme: opts.colorScheme ?? 'light',
    viewport: { width: 1440, height: 900 },
    reducedMotion: 'reduce',
  });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(e.message));
  await page.goto(server.url);
  if (opts.hash) await page.goto(`${server.origin}/${opts.hash}`);
  return { context, page, problems };
}

/** Polls until `fn` returns a truthy value. */
export async function waitFor<T>(
  fn: () => Promise<T | undefined | null | false>,
  what: string,
  timeoutMs = 20_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
