import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core, type CoreOptions } from '../../electron/core/create-core.js';
import { jobResult, type JobInfo } from '../../electron/shared/contract/index.js';
import { randomBytesOf, sha256Of, startFakeHub, type FakeHub } from '../helpers/fake-hub-server.js';
import { connectMemory } from '../helpers/memory-client.js';
import { tempDir } from '../helpers/temp-dir.js';
import { tinyGguf } from '../helpers/tiny-gguf.js';
import { tinyHfFiles } from '../helpers/tiny-hf-folder.js';

const MB = 1 << 20;

describe('model downloads from a local hub', () => {
  const dir = tempDir('labforge-dl-');
  let hub: FakeHub;
  let core: Core;
  let gguf: Buffer;
  let token: string | null = null;
  let free = Number.MAX_SAFE_INTEGER;
  const options = (dataDir: string): CoreOptions => ({
    dataDir,
    downloads: {
      hub: () => ({ endpoint: hub.endpoint, token, timeoutMs: 3000, backoffMs: 50 }),
      hfCache: () => path.join(dir.path, 'hf-cache'),
      freeBytes: async () => free,
      minSegmentBytes: 128 << 10,
      fastBytesPerSecond: 0, // every connection at once, however fast loopback is (file-download.test.ts tests the probe)
      stallMs: 1500,
      backoffMs: 50,
    },
  });

  beforeAll(async () => {
    gguf = readFileSync(await tinyGguf());
    // Valid GGUFs with trailing padding (the header and tensor table come first), 6 and 3 MB.
    const big = Buffer.concat([gguf, randomBytesOf(6 * MB - gguf.length, 7)]);
    const big2 = Buffer.concat([gguf, randomBytesOf(3 * MB - gguf.length, 9)]);
    hub = await startFakeHub({
      'org/tiny-GGUF': {
        files: {
          'tiny.gguf': { data: gguf },
          'not-a-model.gguf': { data: randomBytesOf(200_000, 3) },
          'truncated.gguf': { data: gguf.subarray(0, Math.floor(gguf.length * 0.6)) },
          // GGUF magic and version intact, the metadata count and first key garbage.
          'corrupt-meta.gguf': {
            data: Buffer.concat([gguf.subarray(0, 16), Buffer.alloc(64, 0xff), gguf.subarray(80)]),
          },
          'README.md': { data: Buffer.from('# tiny') },
        },
      },
      'org/tiny-hf': {
        files: {
          ...Object.fromEntries(
            Object.entries(tinyHfFiles()).map(([k, v]) => [k, { data: v, lfs: k.endsWith('.safetensors') }]),
          ),
          'pytorch_model.bin': { data: randomBytesOf(5000) },
        },
      },
      'org/flaky': {
        files: {
          'drop.bin.gguf': { data: gguf, faults: { dropAfterBytes: 100_000, dropTimes: 3 } },
          'stall.gguf': { data: gguf, faults: { stallAfterBytes: 50_000 } },
          'bad-sum.gguf': { data: gguf, faults: { wrongSha256: 'f'.repeat(64) } },
        },
      },
      'org/big': { files: { 'a.gguf': { data: big, faults: { bytesPerSecond: MB / 4 } }, 'b.gguf': { data: big2 } } },
      'org/cancel': { files: { 'a.gguf': { data: big, faults: { bytesPerSecond: MB / 4 } } } },
      'org/restart': { files: { 'a.gguf': { data: big, faults: { bytesPerSecond: MB / 4 } } } },
      'org/gated': { gatedToken: 'hf_good', files: { 'tiny.gguf': { data: gguf } } },
      'org/hub-flaky': { hubFailures: { status: 503, times: 2 }, files: { 'tiny.gguf': { data: gguf } } },
      'org/hub-busy': {
        hubFailures: { status: 429, times: 1, retryAfterS: 1 },
        files: Object.fromEntries(Object.entries(tinyHfFiles()).map(([k, v]) => [k, { data: v }])),
      },
      'org/hub-down': { hubFailures: { status: 500, times: 1000 }, files: { 'tiny.gguf': { data: gguf } } },
    });
    core = await createCore(options(path.join(dir.path, 'data')));
  });
  afterAll(async () => {
    await core?.dispose();
    await hub?.close();
    dir.remove();
  });

  const pull = async (params: Parameters<Core['jobs']['start']>[1] & object): Promise<JobInfo> => {
    const job = core.jobs.start('models.download', params as never);
    return core.jobs.waitFor(job.id);
  };
  const big = (): Buffer => hub.repos.get('org/big')!.files['a.gguf']!.data;
  const partials = (): string[] =>
    readdirSync(path.join(core.dataDir, 'models'), { recursive: true, encoding: 'utf8' }).filter(
      (f) => f.endsWith('.part') || f.endsWith('.part.json'),
    );

  it('downloads a GGUF through the redirect with several Range connections, verifies and registers it', async () => {
    const done = await pull({ repo: 'org/tiny-GGUF', files: ['tiny.gguf'], roles: ['chat'] });
    expect(done.state, JSON.stringify(done.error)).toBe('succeeded');
    const r = jobResult('models.download', done)!;
    expect(r.files[0]!.sha256).toBe(sha256Of(gguf));
    expect(readFileSync(r.path).equals(gguf)).toBe(true);
    const m = core.models.get(r.modelId);
    expect(m).toMatchObject({
      format: 'gguf',
      sha256: sha256Of(gguf),
      roles: ['chat'],
      source: { repo: 'org/tiny-GGUF', commit: 'a'.repeat(40), origin: 'download' },
    });
    expect(m.gguf).toMatchObject({ architecture: 'llama', hasChatTemplate: true });
    expect(m.gguf?.parameterCount).toBeGreaterThan(0);
    const ranges = hub.log.filter((e) => e.server === 'cdn' && e.path.endsWith('tiny.gguf')).map((e) => e.range);
    expect(ranges.length).toBeGreaterThan(1); // several connections (the tiny file is split in 128 kB segments)
    expect(partials()).toEqual([]);
  });

  it('downloads a whole safetensors repo as one job, skipping .bin pickles', async () => {
    const done = await pull({ repo: 'org/tiny-hf' });
    expect(done.state, JSON.stringify(done.error)).toBe('succeeded');
    const r = jobResult('models.download', done)!;
    expect(r.files.map((f) => path.basename(f.path)).sort()).toEqual(
      ['README.md', 'config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json']
        .filter((f) => f !== 'README.md')
        .sort(),
    );
    expect(core.models.get(r.modelId)).toMatchObject({
      format: 'safetensors',
      gguf: { architecture: 'llama', contextLength: 512 },
    });
    expect(hub.log.some((e) => e.path.includes('pytorch_model.bin'))).toBe(false);
  });

  it('resumes by Range after dropped connections and restarts a stalled transfer', async () => {
    for (const file of ['drop.bin.gguf', 'stall.gguf']) {
      const done = await pull({ repo: 'org/flaky', files: [file] });
      expect(done.state, JSON.stringify(done.error)).toBe('succeeded');
      expect(jobResult('models.download', done)!.files[0]!.sha256).toBe(sha256Of(gguf));
      // No byte fetched twice beyond what was in flight: resumed requests start past 0.
      expect(hub.bytesSent('org/flaky', file)).toBeLessThan(gguf.length * 1.5);
      const log = core.jobs
        .log(done.id)
        .map((l) => l.message)
        .join('\n');
      expect(log).toMatch(/retry 1 in .* from byte [1-9]/);
    }
  });

  it('refuses a wrong checksum, a non-GGUF .gguf and a truncated GGUF: clear error, no file, library untouched', async () => {
    const before = core.models.list().length;
    const cases: [string, string, RegExp][] = [
      ['bad-sum.gguf', 'VALIDATION_FAILED', /failed its checksum/],
      ['not-a-model.gguf', 'MODEL_INVALID', /not-a-model\.gguf is not a usable GGUF/],
      ['truncated.gguf', 'MODEL_INVALID', /truncated/],
      ['corrupt-meta.gguf', 'MODEL_INVALID', /corrupt-meta\.gguf is not a usable GGUF/],
    ];
    for (const [file, code, msg] of cases) {
      const repo = file === 'bad-sum.gguf' ? 'org/flaky' : 'org/tiny-GGUF';
      const done = await pull({ repo, files: [file] });
      expect(done.state).toBe('failed');
      expect(done.error).toMatchObject({ code, message: expect.stringMatching(msg) });
    }
    expect(core.models.list().length).toBe(before);
    const all = readdirSync(path.join(core.dataDir, 'models'), { recursive: true, encoding: 'utf8' });
    expect(all.filter((f) => /bad-sum|not-a-model|truncated|corrupt-meta/.test(f))).toEqual([]);
  });

  it('answers a wrong repo or file with NOT_FOUND, a gated repo with a request for a token, a wrong token clearly', async () => {
    expect((await pull({ repo: 'org/nope', files: ['x.gguf'] })).error).toMatchObject({
      code: 'NOT_FOUND',
      message: 'No repository org/nope on the hub',
    });
    expect((await pull({ repo: 'org/tiny-GGUF', files: ['../../escape.gguf'] })).error).toMatchObject({
      code: 'INVALID_REQUEST',
    });
    expect((await pull({ repo: 'org/tiny-GGUF', files: ['x.gguf'] })).error).toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringContaining('has no file x.gguf'),
    });
    const gated = await pull({ repo: 'org/gated', files: ['tiny.gguf'] });
    expect(gated.error).toMatchObject({ code: 'UNAUTHORIZED', hint: expect.stringContaining('HF_TOKEN') });
    token = 'hf_wrong';
    expect((await pull({ repo: 'org/gated', files: ['tiny.gguf'] })).error).toMatchObject({
      message: expect.stringContaining('refused the token'),
    });
    token = 'hf_good';
    expect((await pull({ repo: 'org/gated', files: ['tiny.gguf'] })).state).toBe('succeeded');
    token = null;
  });

  it('checks the disk space first: DISK_FULL before any byte is fetched', async () => {
    free = 10 * MB;
    const sent = hub.bytesSent('org/big', 'a.gguf');
    const done = await pull({ repo: 'org/big', files: ['a.gguf', 'b.gguf'] });
    free = Number.MAX_SAFE_INTEGER;
    expect(done.error).toMatchObject({ code: 'DISK_FULL', message: expect.stringContaining('9.4 MB more') });
    expect(hub.bytesSent('org/big', 'a.gguf')).toBe(sent);
  });

  it('pauses, resumes without starting over, and cancels (deleting the partial file); two downloads at once', async () => {
    const conn = connectMemory(core);
    try {
      const job = await conn.api.call('models.download', { repo: 'org/big', files: ['a.gguf'] });
      const other = await conn.api.call('models.download', { repo: 'org/big', files: ['b.gguf'] });
      const until = async (ok: () => boolean): Promise<void> => {
        for (let i = 0; i < 400 && !ok(); i++) await new Promise((r) => setTimeout(r, 25));
      };
      await until(() => hub.bytesSent('org/big', 'a.gguf') > 1.5 * MB);
      const paused = await conn.api.call('models.pauseDownload', { jobId: job.id });
      expect(['running', 'cancelled']).toContain(paused.state);
      const stopped = await core.jobs.waitFor(job.id);
      expect(stopped).toMatchObject({ state: 'cancelled', progress: { stage: 'paused' } });
      expect((await core.jobs.waitFor(other.id)).state).toBe('succeeded');
      expect(partials().length).toBeGreaterThan(0);
      await new Promise((r) => setTimeout(r, 1200)); // the state file is written at most every second
      const sentBefore = hub.bytesSent('org/big', 'a.gguf');
      core.jobs.resume(job.id);
      const done = await core.jobs.waitFor(job.id);
      expect(done.state, JSON.stringify(done.error)).toBe('succeeded');
      const resumed = hub.log.filter((e) => e.server === 'cdn' && e.path.endsWith('a.gguf')).slice(-1)[0];
      expect(resumed?.range).toMatch(/^bytes=[1-9]\d*-/);
      expect(hub.bytesSent('org/big', 'a.gguf') - sentBefore).toBeLessThan(6 * MB - 1 * MB);
      expect(jobResult('models.download', done)!.files.map((f) => f.sha256)).toEqual([sha256Of(big())]);

      const again = await conn.api.call('models.download', {
        repo: 'org/cancel',
        revision: 'a'.repeat(40),
        files: ['a.gguf'],
      });
      await until(() => partials().length > 0);
      await conn.api.call('models.pauseDownload', { jobId: again.id });
      expect((await core.jobs.waitFor(again.id)).progress.stage).toBe('paused');
      expect(partials().length).toBeGreaterThan(0);
      // Cancelling a paused download deletes its partial files too.
      const cancelled = await conn.api.call('models.cancelDownload', { jobId: again.id });
      expect(cancelled.state).toBe('cancelled');
      expect(partials()).toEqual([]);
    } finally {
      conn.close();
    }
  });

  it('survives an app restart as interrupted and resumes where it was', async () => {
    const job = core.jobs.start('models.download', { repo: 'org/restart', files: ['a.gguf'], name: 'restart' });
    for (let i = 0; i < 400 && hub.bytesSent('org/restart', 'a.gguf') < 1.5 * MB; i++)
      await new Promise((r) => setTimeout(r, 25));
    await new Promise((r) => setTimeout(r, 1600));
    await core.dispose();
    core = await createCore(options(path.join(dir.path, 'data')));
    expect(core.jobs.get(job.id).state).toBe('interrupted');
    const sentBefore = hub.bytesSent('org/restart', 'a.gguf');
    core.jobs.resume(job.id);
    const done = await core.jobs.waitFor(job.id);
    expect(done.state, JSON.stringify(done.error)).toBe('succeeded');
    expect(hub.bytesSent('org/restart', 'a.gguf') - sentBefore).toBeLessThan(6 * MB - 1 * MB);
  });

  it('asks the hub again on 5xx and 429 (after its Retry-After), and gives up with the status after 4 tries', async () => {
    const hubLog = (repo: string) =>
      hub.log.filter((e) => e.server === 'hub' && e.path.includes(`/${repo}/`)).map((e) => `${e.method} ${e.status}`);
    const ok = await pull({ repo: 'org/hub-flaky', files: ['tiny.gguf'] });
    expect(ok.state, JSON.stringify(ok.error)).toBe('succeeded');
    expect(hubLog('org/hub-flaky').slice(0, 3)).toEqual(['HEAD 503', 'HEAD 503', 'HEAD 302']);

    const t = Date.now();
    const busy = await pull({ repo: 'org/hub-busy' });
    expect(busy.state, JSON.stringify(busy.error)).toBe('succeeded');
    expect(hubLog('org/hub-busy').slice(0, 2)).toEqual(['GET 429', 'GET 200']);
    expect(Date.now() - t).toBeGreaterThanOrEqual(1000);

    const down = await pull({ repo: 'org/hub-down', files: ['tiny.gguf'] });
    expect(down.error).toMatchObject({
      code: 'DISCONNECTED',
      message: 'The hub answered 500 for org/hub-down/tiny.gguf',
    });
    expect(hubLog('org/hub-down')).toEqual(['HEAD 500', 'HEAD 500', 'HEAD 500', 'HEAD 500']);
    expect(partials()).toEqual([]);
  });

  it('fails in seconds when the hub is unreachable', async () => {
    const saved = hub.endpoint;
    Object.assign(hub, { endpoint: 'http://127.0.0.1:1' });
    const t = Date.now();
    const done = await pull({ repo: 'org/tiny-GGUF', files: ['tiny.gguf'] });
    Object.assign(hub, { endpoint: saved });
    expect(done.error).toMatchObject({
      code: 'DISCONNECTED',
      message: expect.stringContaining('Cannot reach 127.0.0.1:1'),
    });
    expect(Date.now() - t).toBeLessThan(10_000);
  });

  it('uses files already in the Hugging Face cache instead of downloading them again', async () => {
    const { mkdirSync, writeFileSync, symlinkSync } = await import('node:fs');
    const cache = path.join(dir.path, 'hf-cache', 'models--org--tiny-GGUF');
    const commit = 'a'.repeat(40);
    mkdirSync(path.join(cache, 'blobs'), { recursive: true });
    mkdirSync(path.join(cache, 'refs'), { recursive: true });
    mkdirSync(path.join(cache, 'snapshots', commit), { recursive: true });
    writeFileSync(path.join(cache, 'blobs', sha256Of(gguf)), gguf);
    writeFileSync(path.join(cache, 'refs', 'main'), commit);
    symlinkSync(`../../blobs/${sha256Of(gguf)}`, path.join(cache, 'snapshots', commit, 'tiny.gguf'));
    const sent = hub.bytesSent('org/tiny-GGUF', 'tiny.gguf');
    const done = await pull({ repo: 'org/tiny-GGUF', files: ['tiny.gguf'] });
    expect(done.state, JSON.stringify(done.error)).toBe('succeeded');
    const r = jobResult('models.download', done)!;
    expect(r).toMatchObject({ bytesDownloaded: 0, files: [{ origin: 'hf-cache' }] });
    expect(core.models.get(r.modelId).source?.origin).toBe('hf-cache');
    expect(hub.bytesSent('org/tiny-GGUF', 'tiny.gguf')).toBe(sent);
    const conn = connectMemory(core);
    expect(await conn.api.call('models.hfCache', {})).toEqual([
      expect.objectContaining({
        repo: 'org/tiny-GGUF',
        revision: 'main',
        files: [{ path: 'tiny.gguf', sizeBytes: gguf.length }],
      }),
    ]);
    conn.close();
    expect(existsSync(r.path)).toBe(true);
  });
});
