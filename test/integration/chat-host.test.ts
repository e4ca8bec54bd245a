import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelHost } from '../../electron/core/chat/model-host.js';
import type { ModelRef } from '../../electron/core/chat/model-host-protocol.js';
import { AppError } from '../../electron/shared/errors.js';
import { tempDir } from '../helpers/temp-dir.js';
import { tinyGguf } from '../helpers/tiny-gguf.js';

const sampling = { temperature: 0.8, seed: 1, maxTokens: 24 };
const user = (content: string) => [
  { role: 'system' as const, content: 'Be brief.' },
  { role: 'user' as const, content },
];

describe('model host (child process, tiny GGUF)', () => {
  const tmp = tempDir();
  let model: ModelRef;
  let host: ModelHost;

  beforeAll(async () => {
    model = { path: await tinyGguf(), name: 'tiny', modelId: null };
    host = new ModelHost({ threads: 1, sequences: 2 });
  });
  afterAll(async () => {
    await host.dispose();
    tmp.remove();
  });

  it('loads with fitted settings and streams an answer with stats', async () => {
    const info = await host.load(model, {});
    expect(info).toMatchObject({ name: 'tiny', threads: 1, sequences: 2, contextSize: 512, trainContextSize: 512 });
    expect(info.chatTemplate).toBe('ChatML');
    const chunks: string[] = [];
    const r = await host.chat(
      { model, settings: {}, messages: user('Hello'), sampling },
      { onText: (t) => chunks.push(t) },
    );
    expect(chunks.length).toBeGreaterThan(0);
    expect(chunks.join('')).toBe(r.text);
    expect(r.completionTokens).toBeGreaterThan(0);
    expect(r.completionTokens).toBeLessThanOrEqual(24);
    expect(r.promptTokens).toBeGreaterThan(5);
    expect(r.loadMs).toBeLessThan(1000); // already loaded
    expect(host.status().loaded.map((m) => m.name)).toEqual(['tiny']);
  });

  it('serves two generations at once on one loaded model', async () => {
    const [a, b] = await Promise.all([
      host.chat({ model, settings: {}, messages: user('one'), sampling, cacheKey: 'a' }),
      host.chat({ model, settings: {}, messages: user('two'), sampling, cacheKey: 'b' }),
    ]);
    expect(a.completionTokens).toBeGreaterThan(0);
    expect(b.completionTokens).toBeGreaterThan(0);
  });

  it('stops on cancel and keeps the partial answer', async () => {
    const ac = new AbortController();
    let text = '';
    const r = await host.chat(
      { model, settings: {}, messages: user('Tell me a long story'), sampling: { ...sampling, maxTokens: 100_000 } },
      {
        signal: ac.signal,
        onText: (t) => {
          text += t;
          if (text.length > 20) ac.abort();
        },
      },
    );
    expect(r.stopReason).toBe('stopped');
    expect(r.text.length).toBeGreaterThan(0);
    expect(r.completionTokens).toBeLessThan(2000);
  });

  it('rejects a prompt longer than the context', async () => {
    const long = 'word '.repeat(2000);
    await expect(host.chat({ model, settings: {}, messages: user(long), sampling })).rejects.toMatchObject({
      code: 'PROMPT_TOO_LONG',
    });
  });

  it('rejects a non-GGUF file, naming it, and keeps running', async () => {
    const bad = path.join(tmp.path, 'notes.gguf');
    writeFileSync(bad, 'this is not a model');
    const err = await host.load({ path: bad, name: 'notes', modelId: null }, {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: 'MODEL_INVALID' });
    expect((err as AppError).message).toContain('notes.gguf');
    expect(host.status().running).toBe(true);
  });

  it('refuses a context larger than memory quickly', async () => {
    const other = { ...model, path: await tinyGguf({ seed: 2 }) };
    const t0 = Date.now();
    await expect(host.load(other, { contextSize: 16_000_000 })).rejects.toMatchObject({ code: 'OUT_OF_MEMORY' });
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(host.status().running).toBe(true);
  });

  it('reports a crash mid-answer clearly and restarts on the next request', async () => {
    let killed = false;
    const pid = host.status().pid!;
    const err = await host
      .chat(
        { model, settings: {}, messages: user('go on'), sampling: { ...sampling, maxTokens: 100_000 } },
        {
          onText: () => {
            if (!killed) process.kill(pid, 'SIGKILL');
            killed = true;
          },
        },
      )
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'WORKER_CRASHED' });
    expect((err as AppError).message).toMatch(
      /stopped unexpectedly while answering with tiny \(it was killed by SIGKILL\)/,
    );
    expect(host.status()).toMatchObject({ running: false, loaded: [] });
    expect(host.status().lastCrash?.message).toContain('SIGKILL');
    const r = await host.chat({ model, settings: {}, messages: user('again'), sampling });
    expect(r.completionTokens).toBeGreaterThan(0);
    expect(host.status().pid).not.toBe(pid);
  });
});
