// The diagnostics bundle (issue #13): `labforge diagnostics` writes a zip Python's zipfile reads,
// holding the job logs, the hardware scan and report, settings and versions, and none of the
// planted secrets or taxonomy text; it works while another process owns the data folder.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../../electron/shared/client.js';
import { runCli } from '../../electron/core/cli/main.js';
import { createCore } from '../../electron/core/create-core.js';
import { KvStore } from '../../electron/core/store/kv-store.js';
import { createMemoryPair } from '../../electron/core/rpc/memory-transport.js';
import { fakeNvidiaSmiPath } from '../helpers/fake-tools.js';
import { tempDir } from '../helpers/temp-dir.js';

const dir = tempDir('labforge-diag-');
const data = path.join(dir.path, 'data');
const HF = 'hf_abcdefghijklmnopqrstuvwx';
const API_KEY = 'sk-fakeTeacherKey0123456789';
const URL_TOKEN = 'plainUrlToken123abc';
const BEARER = 'opaqueBearerValue42xyz';
const ENDPOINT_KEY = 'lf-endpoint-0f3c9a7d21b44e55a0c1';
const SENTENCE = 'The Zorblax moon of planet Quell turns violet every ninth autumn.';
let jobId = '';
let holder: ChildProcess | null = null;

const tsx = createRequire(import.meta.url).resolve('tsx');
const holdScript = path.join(import.meta.dirname, '../helpers/hold-data-dir.ts');

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli([...argv, '--data-dir', data], { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

// Every entry's text, read by Python's zipfile (which checks each CRC-32 and size).
const READ = `
import json, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    assert z.testzip() is None
    print(json.dumps({i.filename: z.read(i).decode("utf-8") for i in z.infolist()}))
`;
const readZip = (file: string): Record<string, string> =>
  JSON.parse(execFileSync('python3', ['-c', READ, file], { encoding: 'utf8' })) as Record<string, string>;

beforeAll(async () => {
  // A real data folder: a finished job with logs and text in its params and result, settings with
  // a key, the endpoint's key file, a taxonomy with a knowledge file, and a scan (fake 8× A100).
  const core = await createCore({
    dataDir: data,
    access: 'owner',
    gpuLockFile: null,
    hardware: { toolPath: fakeNvidiaSmiPath(dir.path, '8xa100'), skipLlama: true, trainerTimeoutMs: 200 },
  });
  try {
    core.jobs.register({
      kind: 'test.generate',
      title: () => 'Generate from the taxonomy',
      run: ({ log }) => {
        log('reading leaf knowledge/astronomy/zorblax');
        log(`downloading with token ${HF}`);
        log(`teacher answered: Authorization: Bearer ${API_KEY}`);
        log(`endpoint key is ${ENDPOINT_KEY}`);
        log(`proxy Bearer ${BEARER} ok`);
        log('epoch 1 loss 0.4213');
        return Promise.resolve({ out: '/runs/x/sdg', samples: [{ question: 'Which moon?', answer: SENTENCE }] });
      },
    });
    const job = core.jobs.start('test.generate', {
      taxonomy: path.join(data, 'taxonomy'),
      teacher: `http://127.0.0.1:8000/v1?api_key=${API_KEY}`,
      context: SENTENCE,
      scale: 3,
    });
    jobId = job.id;
    for (let i = 0; i < 100 && core.jobs.get(job.id).state !== 'succeeded'; i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(core.jobs.get(job.id).state).toBe('succeeded');
    await core.hardware.scanNow();
    const kv = new KvStore(core.db);
    kv.set('teacher.apiKeys', { 'http://127.0.0.1:8000/v1': API_KEY });
    kv.set('teacher.lastUrl', `https://api.example.test/v1?token=${URL_TOKEN}&page=2`);
    kv.set('ui.theme', 'dark');
  } finally {
    await core.dispose();
  }
  writeFileSync(path.join(data, 'endpoint-api-key'), `${ENDPOINT_KEY}\n`);
  const leaf = path.join(data, 'taxonomy', 'knowledge', 'astronomy', 'zorblax');
  mkdirSync(leaf, { recursive: true });
  writeFileSync(path.join(leaf, 'qna.yaml'), `version: 3\ndocument_outline: ${SENTENCE}\n`);

  // Another process owns the folder while the bundle is made: the CLI reads beside it.
  holder = spawn(process.execPath, ['--import', tsx, holdScript, 'core', data], { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    holder!.stdout!.on('data', (d: Buffer) => (d.toString().includes('READY') ? resolve() : undefined));
    holder!.once('exit', (code) => reject(new Error(`holder exited with ${code}`)));
  });
}, 120_000);

afterAll(() => {
  holder?.kill('SIGKILL');
  dir.remove();
});

describe('labforge diagnostics', () => {
  it('writes a valid zip with logs, hardware, settings and versions, and no secret or taxonomy text', async () => {
    const zip = path.join(dir.path, 'out', 'bug.zip');
    const r = await cli('diagnostics', '--out', zip, '--json');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const res = JSON.parse(r.out) as { path: string; bytes: number; files: string[]; redacted: number };
    expect(res.path).toBe(zip);
    expect(res.bytes).toBeGreaterThan(500);

    const entries = readZip(zip);
    expect(Object.keys(entries)).toEqual(res.files);
    expect(res.files[0]).toBe('MANIFEST.json');
    for (const f of [
      'versions.json',
      'jobs.json',
      `jobs/${jobId}.log`,
      'hardware/scan.json',
      'hardware/report.json',
      'settings.json',
    ])
      expect(res.files).toContain(f);
    expect(res.files.some((f) => f.includes('taxonomy') || f.endsWith('.yaml'))).toBe(false);

    for (const [name, text] of Object.entries(entries)) {
      for (const secret of [HF, API_KEY, ENDPOINT_KEY, BEARER, URL_TOKEN, 'Zorblax moon', 'ninth autumn'])
        expect(text, `${secret} in ${name}`).not.toContain(secret);
    }

    const log = entries[`jobs/${jobId}.log`]!;
    expect(log).toMatch(/INFO {2}reading leaf knowledge\/astronomy\/zorblax/);
    expect(log).toContain('epoch 1 loss 0.4213');
    expect(log).toContain('downloading with token hf_[REDACTED]');
    expect(log).toContain('Authorization: Bearer sk-[REDACTED]');
    expect(log).toContain('proxy Bearer [REDACTED] ok');

    const jobs = JSON.parse(entries['jobs.json']!) as Array<{
      id: string;
      state: string;
      params: Record<string, unknown>;
    }>;
    const job = jobs.find((j) => j.id === jobId)!;
    expect(job.state).toBe('succeeded');
    // Made beside the live owner: its running job is listed as running, not marked interrupted.
    expect(jobs.find((j) => j.id !== jobId)).toMatchObject({ kind: 'test.hold', state: 'running' });
    expect(job.params).toMatchObject({ taxonomy: path.join(data, 'taxonomy'), scale: 3 }); // paths and numbers stay
    expect(job.params.context).toMatch(/^\[omitted: \d+ characters of text\]$/);
    expect(job.params.teacher).toBe('http://127.0.0.1:8000/v1?api_key=sk-[REDACTED]');

    const scan = JSON.parse(entries['hardware/scan.json']!) as { gpus: Array<{ model: string }> };
    expect(scan.gpus).toHaveLength(8);
    expect(scan.gpus[0]!.model).toBe('NVIDIA A100-SXM4-80GB');
    const report = JSON.parse(entries['hardware/report.json']!) as { checks: unknown[]; profile: unknown };
    expect(report.checks.length).toBeGreaterThan(0);

    const settings = JSON.parse(entries['settings.json']!) as Record<string, unknown>;
    expect(settings['teacher.apiKeys']).toBe('[REDACTED]');
    expect(settings['teacher.lastUrl']).toBe('https://api.example.test/v1?token=[REDACTED]&page=2');
    expect(settings['ui.theme']).toBe('dark');
    expect(settings).not.toHaveProperty('hardware.last'); // it is hardware/scan.json

    const versions = JSON.parse(entries['versions.json']!) as Record<string, unknown>;
    expect(versions).toMatchObject({
      labforge: expect.any(String),
      node: process.versions.node,
      platform: process.platform,
    });
    expect(versions.nodeLlamaCpp).toMatch(/^\d+\.\d+/);

    const manifest = JSON.parse(entries['MANIFEST.json']!) as {
      files: string[];
      redacted: { secretKeys: number; secretStrings: number; textFields: number; total: number };
    };
    expect(manifest.files).toEqual(res.files);
    expect(manifest.redacted.total).toBe(res.redacted);
    expect(manifest.redacted.secretKeys).toBeGreaterThanOrEqual(1); // teacher.apiKeys
    expect(manifest.redacted.secretStrings).toBeGreaterThanOrEqual(5); // hf_, Bearer, endpoint key, api_key=, token=
    expect(manifest.redacted.textFields).toBeGreaterThanOrEqual(2); // params.context, result.samples
    expect(existsSync(`${zip}.part`)).toBe(false);
  });

  it('writes to the data folder by default, and refuses a path chosen from the browser', async () => {
    const r = await cli('diagnostics');
    expect(r.code).toBe(0);
    const m = /^Wrote (\S+\.zip) \(/.exec(r.out);
    expect(m?.[1]).toMatch(
      new RegExp(`^${data}/diagnostics/labforge-diagnostics-\\d{4}-\\d\\d-\\d\\dT\\d\\d-\\d\\d-\\d\\dZ\\.zip$`),
    );
    expect(existsSync(m![1]!)).toBe(true);

    const core = await createCore({ dataDir: data, gpuLockFile: null });
    const pair = createMemoryPair();
    const conn = core.router.connect(pair.server, 'websocket');
    const api = new ApiClient(pair.client);
    try {
      await expect(api.call('diagnostics.create', { out: path.join(dir.path, 'x.zip') })).rejects.toMatchObject({
        code: 'FORBIDDEN',
      });
      expect(existsSync(path.join(dir.path, 'x.zip'))).toBe(false);
      const ok = await api.call('diagnostics.create', {});
      expect(ok.path.startsWith(path.join(data, 'diagnostics'))).toBe(true);
    } finally {
      api.dispose();
      conn.dispose();
      pair.close();
      await core.dispose();
    }
  });
});
