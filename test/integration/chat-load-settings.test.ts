// Load settings per model (issue #16): remembered in the core across a restart and applied when
// chat loads the model; settings the fit estimator refuses never reach the model host; a model
// that fails to load leaves the conversation as it was; the seed makes sampling reproducible.
import { copyFileSync, statSync, truncateSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../electron/core/create-core.js';
import type { ApiClient } from '../../electron/shared/client.js';
import type { ChatPacket, ChatTurn, ModelInfo, Sampling } from '../../electron/shared/contract/index.js';
import { connectMemory } from '../helpers/memory-client.js';
import { tempDir } from '../helpers/temp-dir.js';
import { tinyGguf } from '../helpers/tiny-gguf.js';

const tmp = tempDir();
const dataDir = path.join(tmp.path, 'data');
let core: Core;
let api: ApiClient;
let close: () => void;
let model: ModelInfo;

const start = async (): Promise<void> => {
  core = await createCore({ dataDir, gpuLockFile: null, modelHost: { threads: 1, sequences: 2 } });
  ({ api, close } = connectMemory(core));
};
const stop = async (): Promise<void> => {
  close();
  await core.dispose();
};

const send = async (conversationId: string, content: string): Promise<ChatPacket[]> => {
  const packets: ChatPacket[] = [];
  await api.stream('chat.send', { conversationId, content }, (p) => packets.push(p));
  return packets;
};

const generate = async (messages: ChatTurn[], sampling: Sampling): Promise<string> => {
  let text = '';
  await api.stream('chat.generate', { model: model.id, messages, sampling }, (p) => {
    if (p.type === 'token') text += p.text;
  });
  return text;
};

beforeAll(async () => {
  await start();
  model = await api.call('models.import', { path: await tinyGguf(), name: 'tiny' });
});
afterAll(async () => {
  await stop();
  tmp.remove();
});

describe('load settings per model', () => {
  it('are remembered across a restart of the core and applied when chat loads the model', async () => {
    expect(await api.call('chat.loadSettings.get', { model: model.id })).toEqual({ settings: {}, remembered: false });
    const settings = { contextSize: 256, sequences: 1, threads: 1, gpuLayers: 0, flashAttention: false };
    await api.call('chat.loadSettings.set', { model: model.id, settings });
    await stop();
    await start();
    expect(await api.call('chat.loadSettings.get', { model: 'tiny' })).toEqual({ settings, remembered: true });
    // The model host starts fresh with nothing loaded; the first answer loads it with the settings.
    expect(core.modelHost.status().loaded).toEqual([]);
    const conv = await api.call('chat.create', { modelId: model.id, sampling: { maxTokens: 4 } });
    const last = (await send(conv.id, 'hello')).at(-1)!;
    expect(last).toMatchObject({ type: 'stats', stats: { settings: { contextSize: 256, threads: 1, gpuLayers: 0 } } });
    await expect
      .poll(async () => (await api.call('chat.status', {})).loaded)
      .toMatchObject([{ modelId: model.id, contextSize: 256, sequences: 1, threads: 1, flashAttention: false }]);
    // chat.load with other settings reloads the model with them and remembers them.
    const info = await api.call('chat.load', { model: model.id, settings: { contextSize: 384, sequences: 2 } });
    expect(info).toMatchObject({ contextSize: 384, sequences: 2 });
    expect((await api.call('chat.loadSettings.get', { model: model.id })).settings).toEqual({
      contextSize: 384,
      sequences: 2,
    });
  });

  it('apply to the OpenAI endpoint too', async () => {
    await api.call('chat.unload', { model: model.id });
    await api.call('chat.loadSettings.set', { model: model.id, settings: { contextSize: 320, sequences: 1 } });
    const ep = await core.endpoint.start({ port: 0, auth: 'none' });
    try {
      const res = await fetch(`${ep.url}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: model.id, messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 }),
      });
      expect(res.status).toBe(200);
      expect((await api.call('chat.status', {})).loaded).toMatchObject([
        { modelId: model.id, contextSize: 320, sequences: 1 },
      ]);
    } finally {
      await core.endpoint.stop();
      await api.call('chat.loadSettings.set', { model: model.id, settings: { contextSize: 384, sequences: 2 } });
    }
  });

  it('refuses settings that do not fit memory with the estimator’s reason, before loading', async () => {
    await api.call('chat.unload', { model: model.id });
    const pid = core.modelHost.status().pid;
    const err = await api
      .call('chat.load', { model: model.id, settings: { contextSize: 16_000_000 } })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'OUT_OF_MEMORY',
      message: expect.stringMatching(
        /^These load settings do not fit: tiny-chat with a 16000000-token context .*needs .* but only/,
      ),
    });
    expect((err as { hint?: string }).hint).toMatch(/Lower the context to [\d,]+ tokens or less/);
    // Nothing was loaded, the host did not crash, and the refused settings were not remembered.
    expect(core.modelHost.status()).toMatchObject({ pid, loaded: [], lastCrash: null });
    expect((await api.call('chat.loadSettings.get', { model: model.id })).settings).toEqual({
      contextSize: 384,
      sequences: 2,
    });
  });

  it('keeps the conversation when its model cannot be loaded with the remembered settings', async () => {
    const conv = await api.call('chat.create', { modelId: model.id, sampling: { maxTokens: 4 } });
    await send(conv.id, 'first');
    await api.call('chat.unload', { model: model.id });
    await api.call('chat.loadSettings.set', { model: model.id, settings: { contextSize: 16_000_000 } });
    const err = await send(conv.id, 'second').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'OUT_OF_MEMORY' });
    const { conversation, messages } = await api.call('chat.get', { id: conv.id });
    expect(messages.map((m) => [m.role, m.content === '' ? '' : 'text', m.state])).toEqual([
      ['user', 'text', 'complete'],
      ['assistant', 'text', 'complete'],
      ['user', 'text', 'complete'],
      ['assistant', '', 'error'],
    ]);
    expect(messages[2]!.content).toBe('second');
    expect(messages[3]!.error).toMatchObject({ code: 'OUT_OF_MEMORY', message: expect.stringContaining('do not fit') });
    expect(conversation.leafId).toBe(messages[3]!.id);
    expect(core.modelHost.status().loaded).toEqual([]);

    // A file that breaks after it was imported fails in the load itself: same outcome.
    const file = path.join(tmp.path, 'broken.gguf');
    copyFileSync(await tinyGguf(), file);
    const broken = await api.call('models.import', { path: file, name: 'broken' });
    truncateSync(file, Math.floor(statSync(file).size / 2));
    await api.call('chat.update', { id: conv.id, modelId: broken.id });
    expect(await send(conv.id, 'third').catch((e: unknown) => e)).toMatchObject({ code: 'MODEL_INVALID' });
    const after = await api.call('chat.get', { id: conv.id });
    expect(after.messages.slice(0, 4)).toEqual(messages);
    expect(after.messages.slice(4).map((m) => [m.role, m.state, m.error?.code ?? null])).toEqual([
      ['user', 'complete', null],
      ['assistant', 'error', 'MODEL_INVALID'],
    ]);
    expect(core.modelHost.status().lastCrash).toBeNull();
    await api.call('chat.loadSettings.set', { model: model.id, settings: {} });
  });

  it('gives the same text for the same seed at temperature 1, and another for another seed', async () => {
    const messages: ChatTurn[] = [{ role: 'user', content: 'Tell me a story' }];
    const sampling = { temperature: 1, topK: 0, topP: 1, maxTokens: 24 };
    const a = await generate(messages, { ...sampling, seed: 7 });
    const b = await generate(messages, { ...sampling, seed: 7 });
    const c = await generate(messages, { ...sampling, seed: 8 });
    expect(a.length).toBeGreaterThan(0);
    expect(b).toBe(a);
    expect(c).not.toBe(a);
  });
});
