// The README's commands, run as a new user runs them: `npm start` (here: no Electron binary, so
// the browser UI), the documented headless `npm run serve`, and the one-line failures.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp-dir.js';

const root = path.resolve(import.meta.dirname, '../..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const dirs: { remove(): void }[] = [];
afterAll(() => dirs.forEach((d) => d.remove()));

function electronInstalled(): boolean {
  try {
    return typeof createRequire(path.join(root, 'package.json'))('electron') === 'string';
  } catch {
    return false;
  }
}

interface Started {
  proc: ChildProcess;
  url: string;
  output: () => string;
}

/** Runs an npm script with extra args and waits for the "LabForge listening on" line. */
async function startScript(script: string[], args: string[]): Promise<Started> {
  const proc = spawn(npm, [...script, '--', ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own group, so the cleanup reaches npm's children
  });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "listening" line in 150 s:\n${out}`)), 150_000);
    const poll = setInterval(() => {
      const m = /LabForge listening on (http:\/\/\S+)/.exec(out);
      if (m?.[1]) {
        clearInterval(poll);
        clearTimeout(timer);
        resolve(m[1]);
      }
    }, 100);
    proc.once('exit', (code) => {
      clearInterval(poll);
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before listening:\n${out}`));
    });
  });
  return { proc, url, output: () => out };
}

/** Ctrl+C as a terminal sends it (to the whole group); true when npm and LabForge ended cleanly. */
async function stopGroup(proc: ChildProcess): Promise<boolean> {
  if (proc.exitCode !== null) return false;
  const exited = new Promise<boolean>((resolve) =>
    proc.once('exit', (code, signal) => resolve(code === 0 || signal === 'SIGINT')),
  );
  process.kill(-proc.pid!, 'SIGINT');
  const timer = setTimeout(() => process.kill(-proc.pid!, 'SIGKILL'), 15_000);
  const code = await exited;
  clearTimeout(timer);
  return code;
}

async function expectUiServed(url: string): Promise<void> {
  const res = await fetch(url, { redirect: 'manual' });
  // The token URL sets the cookie and redirects to the page, or serves it directly.
  const page =
    res.status >= 300 && res.status < 400
      ? await fetch(new URL(res.headers.get('location')!, url), {
          headers: { cookie: (res.headers.get('set-cookie') ?? '').split(';')[0]! },
        })
      : res;
  expect(page.status).toBe(200);
  const html = await page.text();
  expect(html).toContain('<div id="root">');
  expect(html).toContain('LabForge');
}

describe('first run, as the README says', () => {
  it('`npm start` builds and serves the browser UI where Electron is not installed', async () => {
    const data = tempDir();
    dirs.push(data);
    const s = await startScript(['start'], ['--port', '0', '--no-open', '--data-dir', data.path]);
    try {
      if (!electronInstalled()) {
        expect(s.output()).toContain('Electron is not installed here; starting LabForge in your browser instead');
      }
      await expectUiServed(s.url);
    } finally {
      expect(await stopGroup(s.proc)).toBe(true);
      expect(s.output()).toContain('Stopping LabForge');
    }
    expect(s.output()).not.toMatch(/\n\s+at .+:\d+:\d+/); // no stack trace
  });

  it('the documented headless command serves the UI on the port it was given', async () => {
    const data = tempDir();
    dirs.push(data);
    const free = await new Promise<number>((resolve) => {
      const srv: Server = createServer().listen(0, '127.0.0.1', () => {
        const port = (srv.address() as { port: number }).port;
        srv.close(() => resolve(port));
      });
    });
    const s = await startScript(['run', 'serve'], ['--port', String(free), '--no-open', '--data-dir', data.path]);
    try {
      expect(new URL(s.url).port).toBe(String(free));
      await expectUiServed(s.url);
    } finally {
      expect(await stopGroup(s.proc)).toBe(true);
      expect(s.output()).toContain('Stopping LabForge');
    }
  });

  it('a port already in use is one clear line, not a stack trace', async () => {
    const data = tempDir();
    dirs.push(data);
    const busy: Server = createServer();
    const port = await new Promise<number>((resolve) =>
      busy.listen(0, '127.0.0.1', () => resolve((busy.address() as { port: number }).port)),
    );
    try {
      const r = spawnSync(
        process.execPath,
        ['bin/labforge.mjs', 'serve', '--port', String(port), '--no-open', '--data-dir', data.path],
        { cwd: root, encoding: 'utf8', timeout: 60_000 },
      );
      expect(r.status).toBe(1);
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(`Port ${port} on 127.0.0.1 is already in use`);
      expect(lines[0]).toContain('--port');
    } finally {
      busy.close();
    }
  });

  it('`npm start -- --help` says which flags reach `labforge serve`', () => {
    const r = spawnSync(npm, ['start', '--silent', '--', '--help'], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(0);
    for (const flag of ['--port', '--host', '--allow-remote', '--no-open', '--data-dir'])
      expect(r.stdout).toContain(flag);
    expect(r.stdout).toContain('labforge serve');
  });
});
