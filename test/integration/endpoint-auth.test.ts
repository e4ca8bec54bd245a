// The OpenAI endpoint is locked by default (issue #14, item 5): a key is generated once, kept in the
// data folder for the user only and shown once; --no-auth opts out; keys never on a command line;
// a flood of requests gets 429 instead of an unbounded queue.
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelHost } from '../../electron/core/chat/model-host.js';
import { createCore, type Core } from '../../electron/core/create-core.js';
import { OpenAiServer } from '../../electron/core/endpoint/openai-server.js';
import type { ModelLibrary } from '../../electron/core/models/model-library.js';
import { tempDir } from '../helpers/temp-dir.js';

const dir = tempDir();
let core: Core;
beforeAll(async () => {
  core = await createCore({ dataDir: dir.path, gpuLockFile: null });
});
afterAll(async () => {
  await core.dispose();
  dir.remove();
});

const models = (url: string, key?: string): Promise<Response> =>
  fetch(`${url}/models`, { headers: key ? { authorization: `Bearer ${key}` } : {} });

describe('endpoint keys', () => {
  it('generates a key on first start, shows it once, keeps it for the user only, and requires it', async () => {
    const first = await core.endpoint.start({ port: 0 });
    expect(first.apiKeyRequired).toBe(true);
    expect(first.issuedKey).toMatch(/^lf-[\w-]{30,}$/);
    const file = path.join(dir.path, 'endpoint-api-key');
    expect(first.apiKeyFile).toBe(file);
    expect(readFileSync(file, 'utf8').trim()).toBe(first.issuedKey);
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600);
    expect((await models(first.url!)).status).toBe(401);
    expect((await models(first.url!, 'wrong')).status).toBe(401);
    expect((await models(first.url!, first.issuedKey)).status).toBe(200);

    const again = await core.endpoint.start({ port: 0 });
    expect(again.issuedKey).toBeUndefined(); // shown once
    expect(again.apiKeyRequired).toBe(true);
    expect((await models(again.url!, first.issuedKey)).status).toBe(200);
    expect(JSON.stringify(core.endpoint.status())).not.toContain(first.issuedKey!);
  });

  it('opts out with auth: none, and uses a given key without keeping it', async () => {
    const open = await core.endpoint.start({ port: 0, auth: 'none' });
    expect(open).toMatchObject({ apiKeyRequired: false, apiKeyFile: null });
    expect((await models(open.url!)).status).toBe(200);
    const given = await core.endpoint.start({ port: 0, apiKey: 'from-env' });
    expect(given).toMatchObject({ apiKeyRequired: true, apiKeyFile: null });
    expect((await models(given.url!, 'from-env')).status).toBe(200);
    await core.endpoint.stop();
  });

  it('`labforge serve-model` refuses a key on the command line', () => {
    const r = spawnSync(
      process.execPath,
      ['bin/labforge.mjs', 'serve-model', 'x.gguf', '--api-key', 'k', '--data-dir', dir.path],
      {
        cwd: path.resolve(import.meta.dirname, '../..'),
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--api-key-env');
  });
});

describe('a bounded generation queue', () => {
  it('answers 429 with Retry-After when full, and serves again once there is room', async () => {
    const waiting: (() => void)[] = [];
    const result = {
      text: 'hi',
      stopReason: 'eos',
      promptTokens: 1,
      completionTokens: 1,
      ttftMs: 1,
      genMs: 1,
      loadMs: 0,
    };
    // The queue logic is the server's; the model host is stood in for by one that answers when told.
    const host = {
      chat: () => new Promise((resolve) => waiting.push(() => resolve({ ...result, loaded: {} }))),
    } as unknown as ModelHost;
    const library = { list: () => [], find: () => null } as unknown as ModelLibrary;
    const server = await OpenAiServer.start({
      host,
      library,
      resolveModel: () => ({ path: '/m.gguf', name: 'm', modelId: null }),
      defaultModel: 'm',
      port: 0,
      maxQueue: 2,
    });
    try {
      const ask = (): Promise<Response> =>
        fetch(`${server.url}/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'x' }] }),
        });
      const a = ask();
      const b = ask();
      await expect.poll(() => waiting.length).toBe(2);
      const c = await ask();
      expect(c.status).toBe(429);
      expect(c.headers.get('retry-after')).toBe('1');
      expect(((await c.json()) as { error: { type: string } }).error.type).toBe('rate_limit_error');
      waiting.splice(0).forEach((go) => go());
      expect((await a).status).toBe(200);
      expect((await b).status).toBe(200);
      const d = ask();
      await expect.poll(() => waiting.length).toBe(1);
      waiting.splice(0).forEach((go) => go());
      expect((await d).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});
