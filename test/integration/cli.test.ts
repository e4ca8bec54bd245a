import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp-dir.js';

const run = promisify(execFile);
const BIN = path.resolve('bin/labforge.mjs');

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [BIN, ...args], { timeout: 60_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('the labforge command', () => {
  beforeAll(async () => {
    if (!existsSync('out/main/cli.js')) await run('npx', ['electron-vite', 'build'], { timeout: 120_000 });
  }, 180_000);

  it('lists its subcommands', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    for (const c of ['serve', 'scan', 'jobs', 'info']) expect(r.stdout).toMatch(new RegExp(`^  ${c} `, 'm'));
  });

  it('exits 2 with one line for an unknown command or option', async () => {
    const r = await cli(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect((await cli(['info', '--bogus'])).code).toBe(2);
  });

  it('scans the hardware and prints JSON, then lists the job', async () => {
    const d = tempDir();
    const r = await cli(['scan', '--json', '--data-dir', d.path]);
    expect(r.code).toBe(0);
    const hw = JSON.parse(r.stdout) as { cpu: { logicalCores: number }; gpus: unknown[] };
    expect(hw.cpu.logicalCores).toBeGreaterThan(0);
    const jobs = JSON.parse((await cli(['jobs', '--json', '--data-dir', d.path])).stdout) as Array<{
      kind: string;
      state: string;
    }>;
    expect(jobs[0]).toMatchObject({ kind: 'system.scan', state: 'succeeded' });
    d.remove();
  });

  it('fails with one clear line on a database file that is not SQLite, leaving it untouched', async () => {
    const d = tempDir();
    const db = path.join(d.path, 'labforge.db');
    writeFileSync(db, 'not a database');
    const r = await cli(['info', '--data-dir', d.path]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('not a LabForge database');
    expect(readFileSync(db, 'utf8')).toBe('not a database');
    d.remove();
  });

  it('serve prints exactly one line with the URL, and refuses a non-loopback host', async () => {
    const d = tempDir();
    const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--no-open', '--data-dir', d.path], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no URL line; got ${out}`)), 30_000);
      child.stdout.on('data', () => out.includes('\n') && (clearTimeout(t), resolve()));
    });
    expect(out).toMatch(/^LabForge listening on http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+\n$/);
    const url = out.trim().split(' ').at(-1)!;
    const res = await fetch(url, { redirect: 'manual' });
    expect(res.status).toBe(302);
    const exit = new Promise<number | null>((r) => child.on('exit', r));
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
    expect(out.trim().split('\n')).toHaveLength(1);

    const refused = await cli(['serve', '--host', '0.0.0.0', '--no-open', '--data-dir', d.path]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/only loopback/);
    d.remove();
  });
});
