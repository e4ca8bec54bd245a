import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../electron/core/cli/main.js';
import { randomBytesOf, sha256Of, startFakeHub, type FakeHub } from '../helpers/fake-hub-server.js';
import { tempDir } from '../helpers/temp-dir.js';
import { tinyGguf } from '../helpers/tiny-gguf.js';

const MB = 1 << 20;
const CLI = path.resolve('electron/core/cli/index.ts');

/** `labforge` in a child process (through tsx, so no build is needed). */
function cli(
  args: string[],
  env: NodeJS.ProcessEnv,
): {
  child: ReturnType<typeof spawn>;
  done: Promise<{ code: number | null; signal: string | null; out: string; err: string }>;
} {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const done = new Promise<{ code: number | null; signal: string | null; out: string; err: string }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, out, err })),
  );
  return { child, done };
}

describe('labforge models (CLI)', () => {
  const dir = tempDir('labforge-cli-models-');
  let hub: FakeHub;
  let big: Buffer;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    const gguf = readFileSync(await tinyGguf());
    big = Buffer.concat([gguf, randomBytesOf(8 * MB - gguf.length, 5)]);
    hub = await startFakeHub({
      'org/big-GGUF': { files: { 'big.gguf': { data: big, faults: { bytesPerSecond: MB } } } },
      'org/tiny-GGUF': { files: { 'tiny.gguf': { data: gguf }, 'fake.gguf': { data: randomBytesOf(4096) } } },
    });
    env = { HF_ENDPOINT: hub.endpoint, HF_HUB_CACHE: path.join(dir.path, 'cache'), HF_TOKEN: '' };
  }, 180_000);
  afterAll(async () => {
    await hub?.close();
    dir.remove();
  });

  it('resumes after kill -9 of the downloading process without starting over', async () => {
    const data = path.join(dir.path, 'kill');
    const first = cli(['models', 'pull', 'org/big-GGUF', 'big.gguf', '--data-dir', data], env);
    for (let i = 0; i < 1200 && hub.bytesSent('org/big-GGUF', 'big.gguf') < 2 * MB; i++)
      await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 1500)); // the resume state is written every second
    first.child.kill('SIGKILL');
    const killed = await first.done;
    expect(killed.signal).toBe('SIGKILL');
    const sentAtKill = hub.bytesSent('org/big-GGUF', 'big.gguf');
    expect(sentAtKill).toBeLessThan(big.length);
    hub.repos.get('org/big-GGUF')!.files['big.gguf']!.faults = {}; // full speed for the rest

    const second = cli(['models', 'pull', 'org/big-GGUF', 'big.gguf', '--data-dir', data, '--json'], env);
    const r = await second.done;
    expect(r.code, r.err).toBe(0);
    const result = JSON.parse(r.out.trim()) as { path: string; files: { sha256: string; origin: string }[] };
    expect(result.files[0]).toMatchObject({ sha256: sha256Of(big), origin: 'resumed' });
    expect(readFileSync(result.path).equals(big)).toBe(true);
    // Only the missing part crossed the wire again (the last second before the kill may be re-fetched).
    const refetched = hub.bytesSent('org/big-GGUF', 'big.gguf') - sentAtKill;
    expect(refetched).toBeLessThan(big.length - sentAtKill + 2 * MB);
    expect(refetched).toBeLessThan(big.length - MB);
    const resumed = hub.log.filter((e) => e.server === 'cdn').slice(-1)[0];
    expect(resumed?.range).toMatch(/^bytes=[1-9]\d*-/);
  }, 120_000);

  it('lists, imports, removes, and says clearly what is wrong with bad input', async () => {
    const data = path.join(dir.path, 'inproc');
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (l: string) => out.push(l), err: (l: string) => err.push(l) };
    const saved = { ...process.env };
    Object.assign(process.env, env);
    try {
      expect(
        await runCli(['models', 'pull', 'org/tiny-GGUF', 'tiny.gguf', '--role', 'chat', '--data-dir', data], io),
      ).toBe(0);
      expect(out.join('\n')).toMatch(/Downloaded org\/tiny-GGUF as /);
      out.length = 0;
      expect(await runCli(['models', 'list', '--json', '--data-dir', data], io)).toBe(0);
      const models = JSON.parse(out.join('')) as { id: string; roles: string[]; source: { repo: string } }[];
      expect(models).toHaveLength(1);
      expect(models[0]).toMatchObject({ roles: ['chat'], source: { repo: 'org/tiny-GGUF' } });

      expect(await runCli(['models', 'pull', 'org/tiny-GGUF', 'fake.gguf', '--data-dir', data], io)).toBe(1);
      expect(err.join('\n')).toMatch(/fake\.gguf is not a usable GGUF model/);
      expect(await runCli(['models', 'pull', 'org/none', 'x.gguf', '--data-dir', data], io)).toBe(1);
      expect(err.join('\n')).toMatch(/No repository org\/none on the hub/);
      expect(await runCli(['models', 'import', CLI, '--data-dir', data], io)).toBe(1);
      expect(err.join('\n')).toMatch(/index\.ts is not a usable GGUF model/);

      out.length = 0;
      expect(await runCli(['models', 'rm', models[0]!.id, '--data-dir', data], io)).toBe(0);
      expect(await runCli(['models', 'list', '--json', '--data-dir', data], io)).toBe(0);
      expect(JSON.parse(out.slice(-1)[0]!)).toEqual([]);
    } finally {
      for (const k of Object.keys(env)) if (saved[k] === undefined) delete process.env[k];
      Object.assign(process.env, saved);
    }
  });
});
