/**
 * Model download: throughput of LabForge's downloader (1 and 4 connections) against `curl` on the
 * same file from the loopback fake hub (served by a child process, so neither client shares its
 * event loop), and the time to resume a download stopped half-way. Prints figures; never asserts.
 *   npm run bench download      BENCH_MB=256 BENCH_RUNS=3
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { downloadFile } from '../electron/core/models/file-download.js';
import { HubClient } from '../electron/core/models/hub-client.js';
import { randomBytesOf, startFakeHub } from '../test/helpers/fake-hub-server.js';

const SIZE = Number(process.env.BENCH_MB ?? 256) * 2 ** 20;
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

if (process.argv[2] === '--serve') {
  const hub = await startFakeHub({ 'bench/model': { files: { 'model.gguf': { data: randomBytesOf(SIZE, 11) } } } });
  process.stdout.write(`${hub.endpoint}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => process.exit(0));
} else {
  const server = spawn(process.execPath, ['--import', 'tsx', import.meta.filename, '--serve'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const endpoint = await new Promise<string>((resolve) =>
    server.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim())),
  );
  const dir = mkdtempSync(path.join(os.tmpdir(), 'labforge-bench-dl-'));
  const hub = new HubClient({ endpoint, token: null, timeoutMs: 10_000 });
  const meta = await hub.fileMeta('bench/model', 'main', 'model.gguf');
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const mbps = (ms: number): number => SIZE / 2 ** 20 / (ms / 1000);

  const curl = (): number => {
    const out = path.join(dir, 'curl.bin');
    const t = performance.now();
    execFileSync('curl', ['-sSL', '-o', out, meta.url]);
    const ms = performance.now() - t;
    const h = performance.now();
    execFileSync('sha256sum', [out]);
    hashMs.push(performance.now() - h);
    rmSync(out);
    return ms;
  };
  const hashMs: number[] = [];
  const ours = async (connections: number, signal = new AbortController().signal): Promise<number> => {
    const dest = path.join(dir, `ours-${connections}.bin`);
    const t = performance.now();
    const r = await downloadFile({
      url: meta.url,
      headers: {},
      dest,
      size: meta.size,
      etag: meta.etag,
      sha256: meta.sha256,
      signal,
      connections,
      onBytes: () => undefined,
    });
    const ms = performance.now() - t;
    rmSync(r.part);
    return ms;
  };

  const c: number[] = [];
  const o1: number[] = [];
  const o4: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    c.push(curl());
    o1.push(await ours(1));
    o4.push(await ours(4));
  }
  console.log(
    `file: ${SIZE / 2 ** 20} MiB over loopback (redirect to the CDN server, then Range GETs), median of ${RUNS}`,
  );
  console.log(`curl -L              ${mbps(median(c)).toFixed(0).padStart(6)} MiB/s`);
  const verified = median(c) + median(hashMs);
  console.log(
    `curl -L + sha256sum  ${mbps(verified).toFixed(0).padStart(6)} MiB/s   (curl when its file is verified too; labforge 1 connection = ${(verified / median(o1)).toFixed(2)}x of it)`,
  );
  console.log(
    `labforge 1 connection ${mbps(median(o1)).toFixed(0).padStart(5)} MiB/s   ratio ${(median(c) / median(o1)).toFixed(2)}x curl (sha256 computed on the way)`,
  );
  console.log(
    `labforge 4 connections ${mbps(median(o4)).toFixed(0).padStart(4)} MiB/s   ratio ${(median(c) / median(o4)).toFixed(2)}x curl   (target >= 0.95x)`,
  );

  // The ceiling a verifying client has here: this process's sha256 over the same number of bytes.
  const block = randomBytesOf(16 << 20, 5);
  const h0 = performance.now();
  const hasher = createHash('sha256');
  for (let done = 0; done < SIZE; done += block.length) hasher.update(block);
  hasher.digest();
  const hashOnly = performance.now() - h0;
  console.log(
    `sha256 alone           ${mbps(hashOnly).toFixed(0).padStart(4)} MiB/s   (the most a client that verifies on the way can reach here; labforge 4 connections = ${(hashOnly / median(o4)).toFixed(2)}x of it)`,
  );

  // Resume: stop half-way, then time until the download continues and until it ends.
  const dest = path.join(dir, 'resume.bin');
  const ac = new AbortController();
  let got = 0;
  await downloadFile({
    url: meta.url,
    headers: {},
    dest,
    size: meta.size,
    etag: meta.etag,
    sha256: meta.sha256,
    signal: ac.signal,
    connections: 4,
    onBytes: (n) => {
      got += n;
      if (got > SIZE / 2) ac.abort(new Error('pause'));
    },
  }).catch(() => undefined);
  await new Promise((r) => setTimeout(r, 50));
  const t = performance.now();
  let first = 0;
  const r = await downloadFile({
    url: meta.url,
    headers: {},
    dest,
    size: meta.size,
    etag: meta.etag,
    sha256: meta.sha256,
    signal: new AbortController().signal,
    connections: 4,
    onBytes: () => {
      if (!first) first = performance.now() - t;
    },
  });
  const total = performance.now() - t;
  console.log(
    `resume at ${((r.resumedFrom / SIZE) * 100).toFixed(0)}%: first new byte after ${first.toFixed(0)} ms (includes re-hashing the ${(r.resumedFrom / 2 ** 20).toFixed(0)} MiB already on disk: ${total.toFixed(0)} ms to the end, ${(r.fetched / 2 ** 20).toFixed(0)} MiB fetched)`,
  );
  rmSync(dir, { recursive: true, force: true });
  server.stdin!.end();
}
