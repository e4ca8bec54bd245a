import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, startFakeOpenAi, type FakeOpenAiServer } from '../helpers/fake-openai-server.js';

const post = (url: string, body: unknown, key = 'k'): Promise<Response> =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify(body),
  });

describe('fake OpenAI server (test helper)', () => {
  let server: FakeOpenAiServer;
  beforeAll(async () => {
    server = await startFakeOpenAi({
      apiKey: 'k',
      models: ['m1', 'm2'],
      tokenize: (t) => [...t].map((c) => c.charCodeAt(0)),
      reply: (c) =>
        c.lastUserText === 'fail-once' && c.attempt === 0
          ? { status: 429, retryAfter: 1 }
          : c.lastUserText === 'refuse'
            ? { refusal: 'I cannot help with that.' }
            : json({ q: c.lastUserText, choice: c.choice, schema: c.wantsJsonSchema }),
    });
  });
  afterAll(() => server.close());

  it('lists models, answers n choices with usage, streams, tokenizes, checks the key', async () => {
    const models = (await (await fetch(`${server.url}/models`, { headers: { authorization: 'Bearer k' } })).json()) as {
      data: Array<{ id: string }>;
    };
    expect(models.data.map((m) => m.id)).toEqual(['m1', 'm2']);
    const r = (await (
      await post(`${server.url}/chat/completions`, {
        model: 'm1',
        n: 2,
        messages: [{ role: 'user', content: 'hello there' }],
        response_format: { type: 'json_schema', json_schema: { name: 'x', schema: {}, strict: true } },
      })
    ).json()) as { choices: Array<{ message: { content: string } }>; usage: { prompt_tokens: number } };
    expect(r.choices.map((c) => JSON.parse(c.message.content))).toEqual([
      { q: 'hello there', choice: 0, schema: true },
      { q: 'hello there', choice: 1, schema: true },
    ]);
    expect(r.usage.prompt_tokens).toBe(2);

    const s = await post(`${server.url}/chat/completions`, {
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'streamed' }],
    });
    const events = (await s.text()).split('\n\n').filter((l) => l.startsWith('data: '));
    expect(events.at(-1)).toBe('data: [DONE]');
    const text = events
      .slice(0, -1)
      .map((e) => JSON.parse(e.slice(6)) as { choices: Array<{ delta: { content?: string } }> })
      .map((e) => e.choices[0]?.delta.content ?? '')
      .join('');
    expect(JSON.parse(text)).toEqual({ q: 'streamed', choice: 0, schema: false });

    const tok = (await (await post(`${server.origin}/tokenize`, { content: 'ab' })).json()) as { tokens: number[] };
    expect(tok.tokens).toEqual([97, 98]);
    expect((await post(`${server.url}/chat/completions`, { messages: [] }, 'wrong')).status).toBe(401);
  });

  it('scripts misbehaviour by attempt and records requests', async () => {
    server.reset();
    const body = { messages: [{ role: 'user', content: 'fail-once' }] };
    const first = await post(`${server.url}/chat/completions`, body);
    expect(first.status).toBe(429);
    expect(first.headers.get('retry-after')).toBe('1');
    expect((await post(`${server.url}/chat/completions`, body)).status).toBe(200);
    const refusal = (await (
      await post(`${server.url}/chat/completions`, { messages: [{ role: 'user', content: 'refuse' }] })
    ).json()) as { choices: Array<{ message: { content: null; refusal: string } }> };
    expect(refusal.choices[0]?.message).toMatchObject({ content: null, refusal: 'I cannot help with that.' });
    expect(server.completionRequests()).toHaveLength(3);
    expect(server.maxInFlight).toBe(1);
  });

  it('hangs until the client gives up, and refuses response_format when asked to', async () => {
    const hanging = await startFakeOpenAi({ reply: () => ({ hang: true }), rejectResponseFormat: true });
    try {
      await expect(
        fetch(`${hanging.url}/chat/completions`, {
          method: 'POST',
          body: JSON.stringify({ messages: [] }),
          signal: AbortSignal.timeout(200),
        }),
      ).rejects.toThrow();
      const refused = await post(`${hanging.url}/chat/completions`, {
        messages: [],
        response_format: { type: 'json_object' },
      });
      expect(refused.status).toBe(400);
      expect(await refused.text()).toMatch(/response_format/);
    } finally {
      await hanging.close();
    }
  });
});
