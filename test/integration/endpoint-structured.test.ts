import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../electron/core/create-core.js';
import { tempDir } from '../helpers/temp-dir.js';
import { openaiPython } from '../helpers/python-openai.js';
import { tinyGguf } from '../helpers/tiny-gguf.js';

const run = promisify(execFile);

const KEY = 'sk-structured';

/** A schema the grammar can finish in a few tokens, so a tiny random model always completes it. */
const SCHEMA = {
  type: 'object',
  properties: { answer: { enum: ['yes', 'no'] }, sure: { type: 'boolean' } },
  required: ['answer', 'sure'],
  additionalProperties: false,
} as const;

describe('endpoint: response_format and usage (official npm openai client, tiny GGUF)', () => {
  const tmp = tempDir();
  let core: Core;
  let client: OpenAI;

  beforeAll(async () => {
    core = await createCore({ dataDir: tmp.path, modelHost: { threads: 1, sequences: 2 } });
    await core.models.importGguf({ path: await tinyGguf(), name: 'tiny' });
    const status = await core.endpoint.start({ port: 0, apiKey: KEY });
    client = new OpenAI({ baseURL: status.url!, apiKey: KEY, maxRetries: 0 });
  });
  afterAll(async () => {
    await core.dispose();
    tmp.remove();
  });

  it('json_schema: the answer is JSON matching the schema (the same model answers free text without it)', async () => {
    const free = await client.chat.completions.create({
      model: 'tiny',
      messages: [{ role: 'user', content: 'Is the sky blue?' }],
      max_tokens: 12,
      seed: 1,
    });
    expect(() => JSON.parse(free.choices[0]!.message.content!)).toThrow();
    for (const seed of [1, 2, 3]) {
      const r = await client.chat.completions.create({
        model: 'tiny',
        messages: [{ role: 'user', content: 'Is the sky blue?' }],
        max_tokens: 64,
        seed,
        response_format: { type: 'json_schema', json_schema: { name: 'verdict', schema: SCHEMA, strict: true } },
      });
      expect(r.choices[0]!.finish_reason).toBe('stop');
      const value = JSON.parse(r.choices[0]!.message.content!) as Record<string, unknown>;
      expect(Object.keys(value).sort()).toEqual(['answer', 'sure']);
      expect(['yes', 'no']).toContain(value.answer);
      expect(typeof value.sure).toBe('boolean');
    }
  });

  it('json_schema streamed: the deltas join into schema-valid JSON', async () => {
    const stream = await client.chat.completions.create({
      model: 'tiny',
      messages: [{ role: 'user', content: 'Is water wet?' }],
      max_tokens: 64,
      seed: 4,
      stream: true,
      response_format: { type: 'json_schema', json_schema: { name: 'verdict', schema: SCHEMA } },
    });
    let text = '';
    for await (const c of stream) text += c.choices[0]?.delta.content ?? '';
    expect(['yes', 'no']).toContain((JSON.parse(text) as { answer: string }).answer);
  });

  it('json_object: the answer starts as a JSON object and, when finished, parses as one', async () => {
    for (const seed of [5, 6]) {
      const r = await client.chat.completions.create({
        model: 'tiny',
        messages: [{ role: 'user', content: 'Describe a cat as JSON.' }],
        max_tokens: 48,
        seed,
        response_format: { type: 'json_object' },
      });
      const text = r.choices[0]!.message.content!;
      expect(text.trimStart().startsWith('{')).toBe(true);
      if (r.choices[0]!.finish_reason === 'stop') expect(typeof JSON.parse(text)).toBe('object');
    }
  });

  it('a schema the grammar cannot hold is a 400 in OpenAI’s shape naming the place and keyword', async () => {
    const ask = (schema: Record<string, unknown>) =>
      client.chat.completions.create({
        model: 'tiny',
        messages: [{ role: 'user', content: 'x' }],
        max_tokens: 4,
        response_format: { type: 'json_schema', json_schema: { name: 'bad', schema } },
      });
    for (const [schema, says] of [
      [
        { type: 'object', properties: { code: { type: 'string', pattern: '^[A-Z]{3}$' } } },
        '/properties/code: "pattern"',
      ],
      [{ type: 'integer', minimum: 1 }, '"minimum" is not supported'],
      [{ type: 'object', properties: { a: { type: 'string' } }, required: ['b'] }, '"required" names "b"'],
      [{ type: 'strnig' }, '"type" "strnig"'],
      [{}, 'a schema needs "type"'],
    ] as const) {
      const err = (await ask(schema).catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
      expect(err).toBeInstanceOf(OpenAI.BadRequestError);
      expect(err).toMatchObject({ status: 400, code: 'invalid_json_schema', param: 'response_format' });
      expect(err.message).toContain("Invalid schema for response_format 'bad'");
      expect(err.message).toContain(says);
    }
    // anyOf (what pydantic writes for Optional) is held as oneOf: the answer matches one alternative.
    const r = await client.chat.completions.create({
      model: 'tiny',
      messages: [{ role: 'user', content: 'x' }],
      max_tokens: 64,
      seed: 3,
      response_format: {
        type: 'json_schema',
        json_schema: {
          name: 'maybe',
          schema: {
            type: 'object',
            properties: { v: { anyOf: [{ type: 'boolean' }, { type: 'null' }] } },
            required: ['v'],
            additionalProperties: false,
          },
        },
      },
    });
    const v = (JSON.parse(r.choices[0]!.message.content!) as { v: unknown }).v;
    expect(v === null || typeof v === 'boolean').toBe(true);
  });

  it('max_tokens holds when streaming: completion tokens ≤ max_tokens and finish_reason "length"', async () => {
    for (const max of [1, 3, 9]) {
      for (const format of [undefined, { type: 'json_object' as const }]) {
        const stream = await client.chat.completions.create({
          model: 'tiny',
          messages: [{ role: 'user', content: 'Write a long story' }],
          max_tokens: max,
          seed: max,
          stream: true,
          stream_options: { include_usage: true },
          ...(format ? { response_format: format } : {}),
        });
        let finish: string | null = null;
        let deltas = 0;
        let usage: OpenAI.CompletionUsage | null | undefined;
        for await (const c of stream) {
          if (c.choices[0]?.delta.content) deltas++;
          finish = c.choices[0]?.finish_reason ?? finish;
          usage = c.usage ?? usage;
        }
        const what = `max_tokens ${max}, ${format?.type ?? 'text'}: ${usage!.completion_tokens} tokens`;
        expect(usage!.completion_tokens, what).toBeLessThanOrEqual(max);
        expect(deltas, what).toBeLessThanOrEqual(max);
        // The tiny model never ends free text by itself; JSON may be complete before the limit.
        if (!format || usage!.completion_tokens === max) expect(finish, what).toBe('length');
        else expect(finish, what).toBe('stop');
      }
      const text = await client.completions.create({
        model: 'tiny',
        prompt: 'Once upon a time',
        max_tokens: max,
        stream: true,
        stream_options: { include_usage: true },
      });
      let finish: string | null = null;
      let usage: OpenAI.CompletionUsage | null | undefined;
      for await (const c of text) {
        finish = c.choices[0]?.finish_reason ?? finish;
        usage = c.usage ?? usage;
      }
      expect(usage!.completion_tokens).toBeLessThanOrEqual(max);
      expect(finish).toBe('length');
    }
  });

  it('usage is counted the same streamed and not (same seed, same answer, same tokens)', async () => {
    for (const [maxTokens, seed] of [
      [8, 11],
      [20, 12],
    ] as const) {
      const q = {
        model: 'tiny',
        messages: [{ role: 'user' as const, content: 'Say something' }],
        max_tokens: maxTokens,
        seed,
        temperature: 0,
      };
      const plain = await client.chat.completions.create(q);
      const stream = await client.chat.completions.create({
        ...q,
        stream: true,
        stream_options: { include_usage: true },
      });
      let text = '';
      let usage: OpenAI.CompletionUsage | null | undefined;
      for await (const c of stream) {
        text += c.choices[0]?.delta.content ?? '';
        if (c.usage) usage = c.usage;
      }
      expect(text).toBe(plain.choices[0]!.message.content);
      expect(usage).toEqual(plain.usage);
      expect(plain.usage!.completion_tokens).toBe(maxTokens);
      const cPlain = await client.completions.create({ model: 'tiny', prompt: 'Once', max_tokens: maxTokens, seed });
      expect(cPlain.usage!.completion_tokens).toBe(maxTokens);
    }
  });
});

describe('endpoint with the official Python openai client', () => {
  const tmp = tempDir();
  let core: Core;
  let url: string;
  let python: string | null = null;
  let installError: unknown = null;

  beforeAll(async () => {
    try {
      python = await openaiPython();
    } catch (err) {
      installError = err;
    }
    core = await createCore({ dataDir: tmp.path, modelHost: { threads: 1, sequences: 2 } });
    await core.models.importGguf({ path: await tinyGguf(), name: 'tiny' });
    url = (await core.endpoint.start({ port: 0, apiKey: KEY })).url!;
  }, 400_000);
  afterAll(async () => {
    await core.dispose();
    tmp.remove();
  });

  it('json_schema, usage streamed and not, and the key check', async (ctx) => {
    if (!python) {
      // In CI the client must be there: a failed install fails the test instead of skipping it.
      if (process.env.CI) throw installError;
      ctx.skip();
      return;
    }
    const { stdout } = await run(python, [path.resolve('test/helpers/openai_client_check.py'), url, KEY], {
      timeout: 120_000,
    });
    const r = JSON.parse(stdout) as {
      models: string[];
      schema_value: { answer: string; sure: boolean };
      schema_finish: string;
      plain_usage: Record<string, number>;
      stream_usage: Record<string, number>;
      same_text: boolean;
      wrong_key: number | string;
    };
    expect(r.models).toEqual(['tiny']);
    expect(r.schema_finish).toBe('stop');
    expect(['yes', 'no']).toContain(r.schema_value.answer);
    expect(typeof r.schema_value.sure).toBe('boolean');
    expect(r.same_text).toBe(true);
    expect(r.stream_usage).toEqual(r.plain_usage);
    expect(r.plain_usage.completion_tokens).toBe(8);
    expect(r.wrong_key).toBe(401);
  });
});
