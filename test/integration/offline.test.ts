// The offline guarantee: the CLI, the core behind it and the headless server make no network
// request beyond this machine unless the user starts a download or names an endpoint. Each
// command runs under test/helpers/net-guard.mjs, which refuses (and records) any other attempt
// before a packet leaves. Needs the build (`npm run build`), as the other CLI tests do.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { tempDir } from '../helpers/temp-dir.js';

const root = path.resolve(import.meta.dirname, '../..');
const guard = path.join(root, 'test/helpers/net-guard.mjs');
const dir = tempDir();
const logFile = path.join(dir.path, 'refused.log');
const dataDir = path.join(dir.path, 'data');
afterAll(() => dir.remove());

const env = { ...process.env, NET_GUARD_LOG: logFile };
const refused = (): string[] =>
  existsSync(logFile) ? readFileSync(logFile, 'utf8').trim().split('\n').filter(Boolean) : [];

function cli(args: string[]): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, ['--import', guard, 'bin/labforge.mjs', ...args, '--data-dir', dataDir], {
    cwd: root,
    env,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: r.status, out: r.stdout + r.stderr };
}

describe('offline by default', () => {
  it('the guard itself catches a request to the outside (the test can fail)', () => {
    const r = spawnSync(
      process.execPath,
      ['--import', guard, '-e', "fetch('http://example.invalid/').then(() => 0, () => 0)"],
      { env: { ...process.env, NET_GUARD_LOG: path.join(dir.path, 'sanity.log') }, encoding: 'utf8', timeout: 30_000 },
    );
    expect(r.status).toBe(0);
    expect(readFileSync(path.join(dir.path, 'sanity.log'), 'utf8')).toMatch(/example\.invalid/);
  });

  it.each([
    ['info', ['info', '--json']],
    ['scan', ['scan', '--json']],
    ['jobs', ['jobs', '--json']],
    ['models list', ['models', 'list', '--json']],
    ['taxonomy validate', ['taxonomy', 'validate', '--taxonomy', path.join(root, 'test/fixtures/taxonomy/valid')]],
    ['taxonomy diff', ['taxonomy', 'diff', '--taxonomy', path.join(root, 'test/fixtures/taxonomy/valid')]],
  ])('`labforge %s` reaches nothing outside this machine', (_name, args) => {
    const r = cli(args);
    if (!args[0]!.startsWith('taxonomy')) expect(r.status, r.out).toBe(0); // it really ran
    expect(r.out).not.toContain('net-guard: refused');
    expect(refused()).toEqual([]);
  });

  it('`labforge serve` serves the UI and the API without reaching outside', async () => {
    const proc = spawn(
      process.execPath,
      ['--import', guard, 'bin/labforge.mjs', 'serve', '--port', '0', '--no-open', '--data-dir', dataDir],
      { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      let out = '';
      proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
      const url = await new Promise<string>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no URL: ${out}`)), 60_000);
        proc.stdout!.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /listening on (http:\/\/\S+)/.exec(out);
          if (m?.[1]) {
            clearTimeout(t);
            resolve(m[1]);
          }
        });
      });
      const u = new URL(url);
      expect((await fetch(url, { redirect: 'manual' })).status).toBe(302);
      const ws = new WebSocket(`ws://${u.host}/ws?token=${u.searchParams.get('token')}`);
      const reply = await new Promise<unknown>((resolve, reject) => {
        ws.on('open', () => ws.send(JSON.stringify({ t: 'call', id: 1, method: 'app.info', params: {} })));
        ws.on('message', (m: Buffer) => {
          const msg = JSON.parse(m.toString()) as { t: string; id?: number };
          if (msg.t === 'result' && msg.id === 1) resolve(msg);
        });
        ws.on('error', reject);
      });
      expect(reply).toMatchObject({ t: 'result', id: 1 });
      ws.close();
      // Let the UI's first-launch work (a hardware scan) run as it would for a user.
      await new Promise((r) => setTimeout(r, 1500));
    } finally {
      proc.kill('SIGINT');
      await new Promise((r) => proc.once('exit', r));
    }
    expect(refused()).toEqual([]);
  });
});
