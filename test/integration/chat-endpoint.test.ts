import { request } from 'node:http';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../electron/core/create-core.js';
import { tempDir } from '../helpers/temp-dir.js';
import { tinyGguf } from '../helpers/tiny-gguf.js';

const KEY = 'sk-test-key';

/** A raw request, so the Host and Origin headers can be forged. */
function raw(port: number, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/v1/models', headers: { authorization: `Bearer ${KEY}`, ...headers } },
      (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('OpenAI-compatible endpoint (official openai client, tiny GGUF)', () => {
  const tmp = tempDir();
  let core: Core;
  let client: OpenAI;
  let port: number;

  beforeAll(async () => {
    core = await createCore({ dataDir: tmp.path, modelHost: { threads: 1, sequences: 2 } });
    await core.models.importGguf({ path: await tinyGguf(), name: 'tiny' });
    const status = await core.endpoint.start({ port: 0, apiKey: KEY });
    port = status.port!;
    client = new OpenAI({ baseURL: status.url!, apiKey: KEY, maxRetries: 0 });
  });
  afterAll(async () => {
    await core.dispose();
    tmp.remove();
  });

  it('lists the library models', async () => {
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toEqual(['tiny']);
  });

  it('answers a chat completion without streaming, with usage', async () => {
    const r = await client.chat.completions.create({
      model: 'tiny',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hello!' },
      ],
      max_tokens: 12,
      seed: 7,
    });
    expect(r.object).toBe('chat.completion');
    expect(r.choices[0]!.message.role).toBe('assistant');
    expect(typeof r.choices[0]!.message.content).toBe('string');
    expect(['stop', 'length']).toContain(r.choices[0]!.finish_reason);
    expect(r.usage!.completion_tokens).toBeGreaterThan(0);
    expect(r.usage!.completion_tokens).toBeLessThanOrEqual(12);
    expect(r.usage!.prompt_tokens).toBeGreaterThan(5);
  });

  it('streams a chat completion as server-sent events', async () => {
    const stream = await client.chat.completions.create({
      model: 'tiny',
      messages: [{ role: 'user', content: 'Count to ten' }],
      max_tokens: 16,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      usage = chunk.usage ?? usage;
    }
    expect(text.length).toBeGreaterThan(0);
    expect(finish).toBe('length');
    expect(usage?.completion_tokens).toBe(16);
  });

  it('answers text completions, streaming and not', async () => {
    const r = await client.completions.create({ model: 'tiny', prompt: 'Once upon a time', max_tokens: 8 });
    expect(r.object).toBe('text_completion');
    expect(r.usage!.completion_tokens).toBeGreaterThan(0);
    const s = await client.completions.create({
      model: 'tiny',
      prompt: 'Once upon a time',
      max_tokens: 8,
      stream: true,
    });
    let n = 0;
    for await (const c of s) if (c.choices[0]?.text) n++;
    expect(n).toBeGreaterThan(0);
  });

  it('refuses a wrong or missing API key with 401', async () => {
    const wrong = new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: 'sk-wrong', maxRetries: 0 });
    await expect(wrong.models.list()).rejects.toMatchObject({ status: 401 });
    expect((await raw(port, { authorization: '' })).status).toBe(401);
  });

  it('refuses a foreign Origin or Host with 403', async () => {
    const origin = await raw(port, { origin: 'http://evil.example' });
    expect(origin.status).toBe(403);
    expect(JSON.parse(origin.body)).toMatchObject({ error: { message: expect.stringContaining('other sites') } });
    expect((await raw(port, { host: 'evil.example' })).status).toBe(403);
    expect((await raw(port, { origin: `http://127.0.0.1:${port}` })).status).toBe(200);
  });

  it('names an unknown model and a bad body clearly', async () => {
    await expect(
      client.chat.completions.create({ model: 'gpt-4', messages: [{ role: 'user', content: 'x' }] }),
    ).rejects.toMatchObject({
      status: 404,
      code: 'model_not_found',
    });
    await expect(client.chat.completions.create({ model: 'tiny', messages: [] })).rejects.toMatchObject({
      status: 400,
    });
    const long = 'word '.repeat(3000);
    await expect(
      client.chat.completions.create({ model: 'tiny', messages: [{ role: 'user', content: long }] }),
    ).rejects.toMatchObject({
      status: 400,
      code: 'prompt_too_long',
    });
  });

  it('stops generating when the client disconnects mid-stream', async () => {
    const ac = new AbortController();
    const stream = await client.chat.completions.create(
      { model: 'tiny', messages: [{ role: 'user', content: 'Talk forever' }], max_tokens: 1_000_000, stream: true },
      { signal: ac.signal },
    );
    let chunks = 0;
    await (async () => {
      // Stop reading at the abort: a chunk already buffered must not count as a late one.
      for await (const _ of stream) {
        if (++chunks === 5) {
          ac.abort();
          break;
        }
      }
    })().catch(() => undefined);
    expect(chunks).toBe(5);
    await expect.poll(() => core.modelHost.activeRequests, { timeout: 5000 }).toBe(0);
    // The host still answers afterwards.
    const r = await client.chat.completions.create({
      model: 'tiny',
      messages: [{ role: 'user', content: 'hi' }],
      max_tokens: 2,
    });
    expect(r.usage!.completion_tokens).toBeGreaterThan(0);
  });

  it('reports a port in use, and stops', async () => {
    const other = await createCore({ dataDir: tmp.path, modelHost: { threads: 1 } });
    try {
      await expect(other.endpoint.start({ port })).rejects.toMatchObject({ code: 'PORT_IN_USE' });
    } finally {
      await other.dispose();
    }
    expect((await core.endpoint.stop()).running).toBe(false);
    await expect(client.models.list()).rejects.toThrow();
  });
});
