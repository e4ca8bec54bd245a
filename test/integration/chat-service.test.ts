import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../electron/core/create-core.js';
import type { ChatPacket, ModelInfo } from '../../electron/shared/contract/index.js';
import type { ApiClient } from '../../electron/shared/client.js';
import { connectMemory } from '../helpers/memory-client.js';
import { tempDir } from '../helpers/temp-dir.js';
import { tinyGguf } from '../helpers/tiny-gguf.js';

describe('chat through the router (library, conversations, branches, search, export)', () => {
  const tmp = tempDir();
  let core: Core;
  let api: ApiClient;
  let close: () => void;
  let model: ModelInfo;
  const events: string[] = [];

  beforeAll(async () => {
    core = await createCore({ dataDir: tmp.path, modelHost: { threads: 1, sequences: 2 } });
    ({ api, close } = connectMemory(core));
    api.on('models.changed', (e) => events.push(`models:${e.model ? 'add' : 'remove'}`));
    api.on('chat.changed', () => events.push('chat'));
    model = await api.call('models.import', { path: await tinyGguf(), name: 'tiny' });
  });
  afterAll(async () => {
    close();
    await core.dispose();
    tmp.remove();
  });

  const collect = async (
    name: 'chat.send' | 'chat.regenerate',
    params: never,
    signal?: AbortSignal,
    onToken?: (n: number) => void,
  ) => {
    const packets: ChatPacket[] = [];
    let tokens = 0;
    await api.stream(
      name,
      params,
      (p) => {
        packets.push(p);
        if (p.type === 'token') onToken?.(++tokens);
      },
      { signal },
    );
    return packets;
  };

  it('imports a GGUF by its header and refuses other files by name', async () => {
    expect(model).toMatchObject({
      name: 'tiny',
      format: 'gguf',
      gguf: { architecture: 'llama', contextLength: 512, hasChatTemplate: true },
    });
    expect(model.sizeBytes).toBeGreaterThan(100_000);
    const bad = path.join(tmp.path, 'readme.gguf');
    writeFileSync(bad, 'not a model at all');
    await expect(api.call('models.import', { path: bad })).rejects.toMatchObject({
      code: 'MODEL_INVALID',
      message: expect.stringContaining('readme.gguf'),
    });
    expect((await api.call('models.list', {})).map((m) => m.name)).toEqual(['tiny']);
    expect(events).toContain('models:add');
  });

  it('streams an answer, stores both messages with stats, and titles the conversation', async () => {
    const conv = await api.call('chat.create', {
      modelId: model.id,
      systemPrompt: 'Be brief.',
      sampling: { maxTokens: 16, seed: 3 },
    });
    const packets = await collect('chat.send', { conversationId: conv.id, content: 'What is LAB training?' } as never);
    expect(packets[0]).toMatchObject({
      type: 'started',
      userMessage: { role: 'user' },
      assistantMessage: { state: 'streaming' },
    });
    const tokens = packets.filter((p) => p.type === 'token');
    expect(tokens.length).toBeGreaterThan(0);
    const last = packets.at(-1)!;
    expect(last.type).toBe('stats');
    if (last.type !== 'stats') return;
    expect(last.stats).toMatchObject({
      model: { id: model.id, name: 'tiny' },
      settings: { threads: 1, contextSize: 512, sampling: { maxTokens: 16 } },
    });
    expect(last.stats.tokens).toBeGreaterThan(0);
    expect(last.stats.tokensPerSec).toBeGreaterThan(0);
    expect(last.message?.content).toBe(tokens.map((t) => (t.type === 'token' ? t.text : '')).join(''));
    const { conversation, messages } = await api.call('chat.get', { id: conv.id });
    expect(conversation.title).toBe('What is LAB training?');
    expect(messages.map((m) => [m.role, m.state])).toEqual([
      ['user', 'complete'],
      ['assistant', 'complete'],
    ]);
    expect(conversation.leafId).toBe(messages[1]!.id);
  });

  it('stops on cancel and keeps the partial answer', async () => {
    const conv = await api.call('chat.create', { modelId: model.id, sampling: { maxTokens: 100_000 } });
    const ac = new AbortController();
    await collect('chat.send', { conversationId: conv.id, content: 'Write forever' } as never, ac.signal, (n) => {
      if (n === 5) ac.abort();
    }).catch(() => undefined);
    await expect
      .poll(async () => (await api.call('chat.get', { id: conv.id })).messages[1]?.state, { timeout: 10_000 })
      .toBe('stopped');
    const answer = (await api.call('chat.get', { id: conv.id })).messages[1]!;
    expect(answer.content.length).toBeGreaterThan(0);
    expect(answer.stats?.tokens ?? 0).toBeLessThan(5000);
  });

  it('regenerates and edits as branches of the conversation', async () => {
    const conv = await api.call('chat.create', { modelId: model.id, sampling: { maxTokens: 8 } });
    await collect('chat.send', { conversationId: conv.id, content: 'first question' } as never);
    let { messages } = await api.call('chat.get', { id: conv.id });
    const [q1, a1] = messages;
    await collect('chat.regenerate', { conversationId: conv.id, messageId: a1!.id } as never);
    await collect('chat.send', { conversationId: conv.id, content: 'edited question', parentId: null } as never);
    ({ messages } = await api.call('chat.get', { id: conv.id }));
    expect(messages).toHaveLength(5);
    const siblingsOfA1 = messages.filter((m) => m.parentId === q1!.id);
    expect(siblingsOfA1).toHaveLength(2);
    const roots = messages.filter((m) => m.parentId === null);
    expect(roots.map((m) => m.content)).toEqual(['first question', 'edited question']);
    // Back to the first branch: the leaf becomes its newest answer (the regenerated one).
    const c = await api.call('chat.update', { id: conv.id, leafId: q1!.id });
    expect(c.leafId).toBe(siblingsOfA1[1]!.id);
    const md = await api.call('chat.export', { id: conv.id, format: 'markdown' });
    expect(md.filename).toBe('first-question.md');
    expect(md.content).toContain('## You\n\nfirst question');
    expect(md.content).not.toContain('edited question');
    const json = JSON.parse((await api.call('chat.export', { id: conv.id, format: 'json' })).content) as {
      messages: unknown[];
    };
    expect(json.messages).toHaveLength(5);
  });

  it('finds conversations by full-text search with a snippet', async () => {
    const conv = await api.call('chat.create', { modelId: model.id, sampling: { maxTokens: 4 } });
    await collect('chat.send', { conversationId: conv.id, content: 'Photosynthesis in chloroplasts' } as never);
    const hits = await api.call('chat.list', { query: 'chloro' });
    expect(hits.map((h) => h.id)).toEqual([conv.id]);
    expect(hits[0]!.snippet).toContain('[chloroplasts]');
    expect(await api.call('chat.list', { query: '"; DROP TABLE messages; --' })).toEqual([]);
    expect((await api.call('chat.list', {})).length).toBeGreaterThanOrEqual(4);
  });

  it('keeps the user message and the partial answer when the host crashes mid-answer', async () => {
    const conv = await api.call('chat.create', { modelId: model.id, sampling: { maxTokens: 100_000 } });
    const err = await collect(
      'chat.send',
      { conversationId: conv.id, content: 'crash please' } as never,
      undefined,
      (n) => {
        if (n === 3) process.kill(core.modelHost.status().pid!, 'SIGKILL');
      },
    ).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'WORKER_CRASHED' });
    const { messages } = await api.call('chat.get', { id: conv.id });
    expect(messages[0]).toMatchObject({ role: 'user', content: 'crash please' });
    expect(messages[1]).toMatchObject({ state: 'error', error: { code: 'WORKER_CRASHED' } });
    expect(messages[1]!.content.length).toBeGreaterThan(0);
    // The host comes back on the next request.
    await api.call('chat.update', { id: conv.id, sampling: { maxTokens: 8 } });
    const again = await collect('chat.regenerate', { conversationId: conv.id, messageId: messages[1]!.id } as never);
    expect(again.at(-1)?.type).toBe('stats');
    expect((await api.call('chat.status', {})).lastCrash?.message).toMatch(/SIGKILL/);
  });

  it('generates statelessly for compare mode, by library id or by path', async () => {
    const texts: string[] = [];
    await api.stream(
      'chat.generate',
      { model: model.path, messages: [{ role: 'user', content: 'hi' }], sampling: { maxTokens: 4 } },
      (p) => {
        if (p.type === 'token') texts.push(p.text);
      },
    );
    expect(texts.length).toBeGreaterThan(0);
    await expect(
      api.stream('chat.generate', { model: 'nope', messages: [{ role: 'user', content: 'x' }] }, () => undefined),
    ).rejects.toMatchObject({
      code: 'MODEL_NOT_FOUND',
    });
  });
});
