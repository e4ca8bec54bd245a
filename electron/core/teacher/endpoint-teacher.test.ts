import { createServer } from 'node:net';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  json,
  startFakeOpenAi,
  type FakeOpenAiOptions,
  type FakeOpenAiServer,
} from '../../../test/helpers/fake-openai-server.js';
import { rejection } from '../../../test/helpers/rejection.js';
import { tempDir } from '../../../test/helpers/temp-dir.js';
import { openDatabase } from '../store/database.js';
import { KvStore } from '../store/kv-store.js';
import { EndpointTeacher, type EndpointTeacherOptions } from './endpoint-teacher.js';
import { retryAfterMs } from './http-json.js';
import type { StructuredRequest } from './teacher.js';

const qa = z.object({ question: z.string(), answer: z.string() });
const qaSchema = {
  type: 'object',
  properties: { question: { type: 'string' }, answer: { type: 'string' } },
  required: ['question', 'answer'],
  additionalProperties: false,
};
const ask = (text: string, extra: Partial<StructuredRequest<z.infer<typeof qa>>> = {}) => ({
  messages: [
    { role: 'system' as const, content: 'You write questions.' },
    { role: 'user' as const, content: text },
  ],
  jsonSchema: qaSchema,
  schema: qa,
  schemaName: 'qa_pair',
  ...extra,
});
/** The default scripted teacher: a Q&A pair naming the prompt and the choice. */
const qaReply: FakeOpenAiOptions['reply'] = (c) => json({ question: `Q(${c.lastUserText})#${c.choice}`, answer: 'A' });

async function expectRejection(p: Promise<unknown>, code: string): Promise<Error> {
  const err = await rejection(p);
  expect(err.code).toBe(code);
  return err;
}

const dir = tempDir();
const { db } = openDatabase(path.join(dir.path, 'labforge.db'));
const kv = new KvStore(db);
afterAll(() => {
  db.close();
  dir.remove();
});

const open: Array<{ close(): Promise<void> } | EndpointTeacher> = [];
afterEach(async () => {
  for (const o of open.splice(0)) await ('dispose' in o ? o.dispose() : o.close());
});

async function setup(
  fake: FakeOpenAiOptions = {},
  opts: Partial<EndpointTeacherOptions> = {},
): Promise<{ server: FakeOpenAiServer; teacher: EndpointTeacher }> {
  const server = await startFakeOpenAi({ reply: qaReply, ...fake });
  open.push(server);
  const teacher = await EndpointTeacher.open({ url: server.url, backoffMs: 10, connectTimeoutMs: 2000, ...opts });
  open.push(teacher);
  return { server, teacher };
}

describe('EndpointTeacher', () => {
  it('asks for json_schema, returns n parsed replies with usage, and defaults to the first listed model', async () => {
    const { server, teacher } = await setup({ models: ['granite-7b', 'other'] });
    expect(teacher.info).toMatchObject({ kind: 'endpoint', model: 'granite-7b', concurrency: 8, source: server.url });
    const r = await teacher.complete(ask('photosynthesis', { n: 3, temperature: 0.7, maxTokens: 64 }));
    expect(r.replies.map((x) => x.ok && x.value.question)).toEqual([
      'Q(photosynthesis)#0',
      'Q(photosynthesis)#1',
      'Q(photosynthesis)#2',
    ]);
    expect(r.usage.promptTokens).toBeGreaterThan(0);
    expect(r.usage.completionTokens).toBeGreaterThan(0);
    const body = server.completionRequests()[0]?.body;
    expect(body).toMatchObject({
      model: 'granite-7b',
      n: 3,
      max_tokens: 64,
      temperature: 0.7,
      response_format: { type: 'json_schema', json_schema: { name: 'qa_pair', schema: qaSchema, strict: true } },
    });
    expect(server.completionRequests()).toHaveLength(1);
  });

  it('sends n separate requests to a server that answers one choice whatever n asks', async () => {
    const { server, teacher } = await setup({ ignoreN: true });
    const r = await teacher.complete(ask('x', { n: 3 }));
    expect(r.replies).toHaveLength(3);
    expect(r.replies.every((x) => x.ok)).toBe(true);
    expect(server.completionRequests()).toHaveLength(3);
    await teacher.complete(ask('y', { n: 2 }));
    expect(server.completionRequests()).toHaveLength(5); // no more asking for n it ignores
  });

  it('returns malformed JSON, schema misfits and refusals as reasoned rejections', async () => {
    const { teacher } = await setup({
      reply: (c) =>
        c.lastUserText === 'broken'
          ? '{"question": "What is'
          : c.lastUserText === 'cut'
            ? { text: '{"question": "What is the', finishReason: 'length' }
            : c.lastUserText === 'misfit'
              ? json({ question: 3 })
              : c.lastUserText === 'refuse-field'
                ? { refusal: 'I will not write that.' }
                : "I'm sorry, but I can't help with that request.",
    });
    const broken = (await teacher.complete(ask('broken'))).replies[0];
    expect(broken).toMatchObject({ ok: false, reason: 'teacher reply unparseable', raw: '{"question": "What is' });
    expect(broken?.ok === false && broken.detail).toMatch(/not JSON/);
    // Stopped at max_tokens: counted apart (the cure is a larger max_tokens, not another teacher).
    expect((await teacher.complete(ask('cut'))).replies[0]).toMatchObject({
      ok: false,
      reason: 'teacher reply cut at max_tokens',
      detail: 'cut off at the token limit',
    });
    const misfit = (await teacher.complete(ask('misfit'))).replies[0];
    expect(misfit).toMatchObject({ ok: false, reason: 'teacher reply unparseable' });
    expect(misfit?.ok === false && misfit.detail).toMatch(/question/);
    expect((await teacher.complete(ask('refuse-field'))).replies[0]).toMatchObject({
      ok: false,
      reason: 'teacher refused',
      raw: 'I will not write that.',
    });
    expect((await teacher.complete(ask('refuse-text'))).replies[0]).toMatchObject({
      ok: false,
      reason: 'teacher refused',
    });
    expect(teacher.outputFormat).toBe('json_schema'); // junk is not a reason to change format
  });

  it('honours Retry-After on 429 instead of its own back-off', async () => {
    const { server, teacher } = await setup(
      { reply: (c) => (c.attempt === 0 ? { status: 429, retryAfter: '0.3' } : qaReply(c)) },
      { backoffMs: 20_000 },
    );
    const r = await teacher.complete(ask('rate limited'));
    expect(r.replies[0]?.ok).toBe(true);
    const [a, b] = server.completionRequests();
    const waited = (b?.at ?? 0) - (a?.at ?? 0);
    expect(waited).toBeGreaterThanOrEqual(290);
    expect(waited).toBeLessThan(10_000); // not the 10-20 s back-off
    expect(retryAfterMs('2')).toBe(2000);
    expect(retryAfterMs(new Date(Date.now() + 5000).toUTCString())).toBeGreaterThan(3000);
    expect(retryAfterMs('soon')).toBeNull();
  });

  it('retries 500s, broken bodies and timeouts, then gives up with a clear error', async () => {
    const { server, teacher } = await setup(
      {
        reply: (c) =>
          c.lastUserText === 'always-500'
            ? { status: 503, message: 'overloaded' }
            : c.attempt === 0
              ? { status: 500 }
              : c.attempt === 1
                ? { brokenBody: true }
                : c.attempt === 2
                  ? { hang: true }
                  : qaReply(c),
      },
      { timeoutMs: 400, maxAttempts: 4 },
    );
    expect((await teacher.complete(ask('flaky'))).replies[0]?.ok).toBe(true);
    expect(server.completionRequests()).toHaveLength(4);
    const err = await expectRejection(teacher.complete(ask('always-500')), 'TEACHER_FAILED');
    expect(err.message).toMatch(/4 tries.*503 overloaded/);
  });

  it('fails at once with a clear error for a wrong or missing API key', async () => {
    const server = await startFakeOpenAi({ apiKey: 'right', reply: qaReply });
    open.push(server);
    const env = { GOOD: 'right', BAD: 'wrong' };
    const bad = await expectRejection(EndpointTeacher.open({ url: server.url, apiKeyEnv: 'BAD', env }), 'UNAUTHORIZED');
    expect(bad.message).toMatch(/\$BAD.*401/);
    await expectRejection(EndpointTeacher.open({ url: server.url, apiKeyEnv: 'UNSET', env }), 'INVALID_REQUEST');
    const good = await EndpointTeacher.open({ url: server.url, apiKeyEnv: 'GOOD', env });
    open.push(good);
    expect((await good.complete(ask('k'))).replies[0]?.ok).toBe(true);
    // A key saved in the app's settings for the origin.
    kv.set('teacher.apiKeys', { [server.origin]: 'right' });
    const saved = await EndpointTeacher.open({ url: server.url, store: kv });
    open.push(saved);
    expect(server.requests.at(-1)?.headers.authorization).toBe('Bearer right');
    kv.set('teacher.apiKeys', {});
    await expectRejection(EndpointTeacher.open({ url: server.url, store: kv }), 'UNAUTHORIZED');
  });

  it('falls back to tagged text when response_format is refused, and remembers it for the endpoint', async () => {
    const { server, teacher } = await setup(
      {
        rejectResponseFormat: true,
        reply: (c) =>
          `Here you go:\n[Start of JSON]\n${json({ question: c.lastUserText.split('\n')[0], answer: 'A' })}\n[End of JSON]`,
      },
      { store: kv },
    );
    const r = await teacher.complete(ask('tagged please'));
    expect(r.replies[0]).toMatchObject({ ok: true, value: { question: 'tagged please', answer: 'A' } });
    const [refused, retried] = server.completionRequests();
    expect(refused?.body?.response_format).toBeDefined();
    expect(retried?.body?.response_format).toBeUndefined();
    expect(retried?.body?.messages?.at(-1)?.content).toMatch(/\[Start of JSON\][\s\S]*"question"/);
    expect(teacher.outputFormat).toBe('tagged');
    // A new teacher on the same endpoint and model starts with tagged text: no refused request.
    const again = await EndpointTeacher.open({ url: server.url, store: kv });
    open.push(again);
    expect(again.outputFormat).toBe('tagged');
    server.reset();
    expect((await again.complete(ask('second'))).replies[0]?.ok).toBe(true);
    expect(server.completionRequests()).toHaveLength(1);
  });

  it('falls back once when replies ignore response_format', async () => {
    const { server, teacher } = await setup({
      reply: (c) =>
        c.body.response_format
          ? 'Sure! A good question would be about plants.'
          : `[Start of JSON]${json({ question: 'q', answer: 'a' })}[End of JSON]`,
    });
    expect((await teacher.complete(ask('x'))).replies[0]?.ok).toBe(true);
    expect(teacher.outputFormat).toBe('tagged');
    expect(server.completionRequests()).toHaveLength(2);
  });

  it('fails within seconds for an unreachable endpoint', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const t0 = Date.now();
    const err = await expectRejection(
      EndpointTeacher.open({ url: `http://127.0.0.1:${port}/v1` }),
      'TEACHER_UNREACHABLE',
    );
    expect(err.message).toMatch(/cannot be reached/);
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('keeps the configured number of requests in flight, and no more', async () => {
    const { server, teacher } = await setup(
      { reply: (c) => ({ text: qaReply(c) as string, delayMs: 150 }) },
      { concurrency: 4 },
    );
    const all = await Promise.all(Array.from({ length: 12 }, (_, i) => teacher.complete(ask(`p${i}`))));
    expect(all.every((r) => r.replies[0]?.ok)).toBe(true);
    expect(server.maxInFlight).toBe(4);
  });

  it('cancels a request in flight and a request waiting for a slot', async () => {
    const { server, teacher } = await setup({ reply: () => ({ hang: true }) }, { concurrency: 1 });
    const ac = new AbortController();
    const first = teacher.complete(ask('a'), ac.signal);
    const queued = teacher.complete(ask('b'), ac.signal);
    await expect.poll(() => server.inFlight).toBe(1);
    ac.abort();
    const [a, b] = await Promise.all([rejection(first), rejection(queued)]);
    expect([a.code, b.code]).toEqual(['CANCELLED', 'CANCELLED']);
    await expect.poll(() => server.inFlight).toBe(0);
    expect(teacher.inFlight).toBe(0);
  });

  it('counts tokens with the server tokenize route where there is one, else estimates', async () => {
    const { teacher } = await setup({ tokenize: (t) => t.split(' ').map((_, i) => i) });
    expect(await teacher.countTokens('one two three')).toEqual({ tokens: 3, exact: true });
    const { teacher: plain } = await setup();
    const est = await plain.countTokens('a sentence of about eight tokens, give or take');
    expect(est.exact).toBe(false);
    expect(est.tokens).toBeGreaterThan(5);
  });

  it('generates free text', async () => {
    const { teacher } = await setup({ reply: (c) => `answer ${c.choice}` });
    const r = await teacher.text({ messages: [{ role: 'user', content: 'hi' }], n: 2 });
    expect(r.texts).toEqual(['answer 0', 'answer 1']);
  });
});
