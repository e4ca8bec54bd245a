import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/temp-dir.js';
import { tinyGguf } from '../helpers/tiny-gguf.js';

const run = promisify(execFile);
const BIN = path.resolve('bin/labforge.mjs');

describe('labforge chat and serve-model on a GGUF file', () => {
  const dir = tempDir();
  let gguf: string;

  beforeAll(async () => {
    if (!existsSync('out/main/cli.js')) await run('npx', ['electron-vite', 'build'], { timeout: 120_000 });
    gguf = await tinyGguf();
  }, 180_000);
  afterAll(() => dir.remove());

  it('answers one message in the terminal chat and prints its stats', async () => {
    const r = await run(
      process.execPath,
      [BIN, 'chat', gguf, '-m', 'Hello there', '--max-tokens', '12', '--threads', '1', '--data-dir', dir.path],
      { timeout: 60_000 },
    );
    expect(r.stdout.trim().length).toBeGreaterThan(0);
    expect(r.stderr).toMatch(/tokens, [\d.]+ tok\/s, first token \d+ ms/);
  });

  it('fails with one clear line for a file that is not GGUF', async () => {
    const err = await run(process.execPath, [BIN, 'chat', BIN, '-m', 'hi', '--data-dir', dir.path], {
      timeout: 60_000,
    }).catch((e: { code: number; stderr: string }) => e);
    expect((err as { code: number }).code).not.toBe(0);
    expect((err as { stderr: string }).stderr).toContain('labforge.mjs');
  });

  it('serves the model on an OpenAI-compatible endpoint with an API key', async () => {
    const child = spawn(
      process.execPath,
      [
        BIN,
        'serve-model',
        gguf,
        '--port',
        '0',
        '--api-key-env',
        'SERVE_TEST_KEY',
        '--threads',
        '1',
        '--data-dir',
        dir.path,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SERVE_TEST_KEY: 'sekrit' } },
    );
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no address line; got ${out}`)), 60_000);
      child.stdout.on('data', () => /http:\/\/127\.0\.0\.1:\d+/.test(out) && (clearTimeout(t), resolve()));
    });
    const base = /(http:\/\/127\.0\.0\.1:\d+)/.exec(out)![1]!;
    try {
      const client = new OpenAI({ baseURL: `${base}/v1`, apiKey: 'sekrit' });
      const models = await client.models.list();
      expect(models.data.length).toBeGreaterThan(0);
      const c = await client.chat.completions.create({
        model: models.data[0]!.id,
        messages: [{ role: 'user', content: 'Hi' }],
        max_tokens: 8,
      });
      expect(c.choices[0]?.message.content?.length).toBeGreaterThan(0);
      const wrong = new OpenAI({ baseURL: `${base}/v1`, apiKey: 'nope', maxRetries: 0 });
      await expect(wrong.models.list()).rejects.toMatchObject({ status: 401 });
    } finally {
      const exit = new Promise((r) => child.on('exit', r));
      child.kill('SIGINT');
      await exit;
    }
  }, 120_000);
});
