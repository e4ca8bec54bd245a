import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../electron/core/create-core.js';
import { openaiPython } from '../helpers/python-openai.js';
import { tempDir } from '../helpers/temp-dir.js';
import { tinyGguf } from '../helpers/tiny-gguf.js';

const run = promisify(execFile);
const KEY = 'sk-embeddings';

const norm = (v: number[]): number => Math.sqrt(v.reduce((a, x) => a + x * x, 0));
const maxDiff = (a: number[], b: number[]): number => Math.max(...a.map((x, i) => Math.abs(x - (b[i] ?? NaN))));

/** The tiny Llama (no pooling type: the last token's state), the same with mean pooling, and a reranker (rank pooling). */
async function start(tmp: string): Promise<{ core: Core; url: string }> {
  const core = await createCore({ dataDir: tmp, modelHost: { threads: 1, sequences: 2 } });
  await core.models.importGguf({ path: await tinyGguf(), name: 'tiny' });
  await core.models.importGguf({ path: await tinyGguf({ pooling: 'mean' }), name: 'tiny-mean' });
  await core.models.importGguf({ path: await tinyGguf({ pooling: 'rank' }), name: 'tiny-rerank' });
  const status = await core.endpoint.start({ port: 0, apiKey: KEY });
  return { core, url: status.url! };
}

describe('endpoint: /v1/embeddings (official npm openai client, tiny GGUF)', () => {
  const tmp = tempDir();
  let core: Core;
  let client: OpenAI;

  beforeAll(async () => {
    let url: string;
    ({ core, url } = await start(tmp.path));
    client = new OpenAI({ baseURL: url, apiKey: KEY, maxRetries: 0 });
  });
  afterAll(async () => {
    await core.dispose();
    tmp.remove();
  });

  it('embeds texts as unit vectors, one per input in order, base64 (the client default) equal to float', async () => {
    const texts = ['The sea is blue.', 'Cats purr.', 'The sea is blue.'];
    const f = await client.embeddings.create({ model: 'tiny', input: texts, encoding_format: 'float' });
    expect(f.object).toBe('list');
    expect(f.model).toBe('tiny');
    expect(f.data.map((d) => [d.object, d.index])).toEqual([
      ['embedding', 0],
      ['embedding', 1],
      ['embedding', 2],
    ]);
    const [a, b, c] = f.data.map((d) => d.embedding);
    expect(a).toHaveLength(64); // the tiny model's hidden size
    for (const v of [a!, b!, c!]) expect(norm(v)).toBeCloseTo(1, 5);
    expect(maxDiff(a!, c!)).toBe(0); // same text, same vector
    expect(maxDiff(a!, b!)).toBeGreaterThan(1e-3);
    expect(f.usage.prompt_tokens).toBeGreaterThan(texts.length);
    expect(f.usage.total_tokens).toBe(f.usage.prompt_tokens);

    // Without encoding_format the npm client asks for base64 and decodes it to floats.
    const single = await client.embeddings.create({ model: 'tiny', input: 'Cats purr.' });
    expect(maxDiff(single.data[0]!.embedding, b!)).toBeLessThan(1e-6);
    const raw = await client.embeddings.create({ model: 'tiny', input: 'Cats purr.', encoding_format: 'base64' });
    expect(typeof raw.data[0]!.embedding).toBe('string');
  });

  it('embeds token ids, and a mean-pooling model too', async () => {
    const ids = await client.embeddings.create({
      model: 'tiny',
      input: [[1, 300, 301, 302]],
      encoding_format: 'float',
    });
    expect(norm(ids.data[0]!.embedding)).toBeCloseTo(1, 5);
    expect(ids.usage.prompt_tokens).toBe(4); // BOS given, nothing added
    const mean = await client.embeddings.create({
      model: 'tiny-mean',
      input: ['a b c', 'x y z'],
      encoding_format: 'float',
    });
    expect(mean.data).toHaveLength(2);
    expect(norm(mean.data[1]!.embedding)).toBeCloseTo(1, 5);
  });

  it('answers 400 in OpenAI’s error shape for a model that cannot embed, and keeps serving', async () => {
    const err = (await client.embeddings
      .create({ model: 'tiny-rerank', input: 'x' })
      .catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err.status).toBe(400);
    expect(err.code).toBe('model_cannot_embed');
    expect(err.error).toMatchObject({ type: 'invalid_request_error', message: expect.stringContaining('reranker') });
    // The host did not crash: the same process embeds and chats afterwards.
    const pid = core.modelHost.status().pid;
    expect((await client.embeddings.create({ model: 'tiny', input: 'still here' })).data).toHaveLength(1);
    expect(core.modelHost.status().pid).toBe(pid);
    expect(core.modelHost.status().lastCrash).toBeNull();
  });

  it('answers 400 for bad inputs: empty, token ids outside the vocabulary, other dimensions', async () => {
    await expect(client.embeddings.create({ model: 'tiny', input: '' })).rejects.toMatchObject({ status: 400 });
    await expect(client.embeddings.create({ model: 'tiny', input: [] as string[] })).rejects.toMatchObject({
      status: 400,
    });
    await expect(client.embeddings.create({ model: 'tiny', input: [[1, 99999]] })).rejects.toMatchObject({
      status: 400,
      message: expect.stringContaining('outside the vocabulary'),
    });
    await expect(client.embeddings.create({ model: 'tiny', input: 'x', dimensions: 32 })).rejects.toMatchObject({
      status: 400,
      code: 'invalid_dimensions',
    });
    await expect(client.embeddings.create({ model: 'nope', input: 'x' })).rejects.toMatchObject({ status: 404 });
    expect(core.modelHost.status().lastCrash).toBeNull();
  });
});

describe('endpoint: /v1/embeddings with the official Python openai client', () => {
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
    ({ core, url } = await start(tmp.path));
  }, 400_000);
  afterAll(async () => {
    await core.dispose();
    tmp.remove();
  });

  it('base64 (the client default) and float agree; a reranker is a BadRequestError', async (ctx) => {
    if (!python) {
      if (process.env.CI) throw installError;
      ctx.skip();
      return;
    }
    const { stdout } = await run(python, [path.resolve('test/helpers/openai_embeddings_check.py'), url, KEY], {
      timeout: 120_000,
    });
    const r = JSON.parse(stdout) as {
      default: {
        count: number;
        indexes: number[];
        dims: number;
        norms: number[];
        usage: Record<string, number>;
        model: string;
      };
      same_as_float: boolean;
      rerank: { status: number; code: string; message: string } | string;
    };
    expect(r.default).toMatchObject({ count: 2, indexes: [0, 1], dims: 64, model: 'tiny' });
    for (const n of r.default.norms) expect(n).toBeCloseTo(1, 5);
    expect(r.default.usage.total_tokens).toBe(r.default.usage.prompt_tokens);
    expect(r.same_as_float).toBe(true);
    expect(r.rerank).toMatchObject({ status: 400, code: 'model_cannot_embed' });
  });
});
