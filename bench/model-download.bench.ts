/**
 * Model download: throughput of LabForge's downloader (1 and 4 connections) against `curl` on the
 * same file from the loopback fake hub (served by a child process, so neither client shares its
 * event loop), and the time to resume a download stopped half-way. Prints figures; never asserts.
 * Both write to the same folder (BENCH_DIR, default the system's temporary folder; a tmpfs such as
 * /dev/shm takes the disk's write-back, which swings by seconds per GiB here, out of the ratios).
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
  const dir = mkdtempSync(path.join(process.env.BENCH_DIR ?? os.tmpdir(), 'labforge-bench-dl-'));
  const hub = new HubClient({ endpoint, token: null, timeoutMs: 10_000 });
  const meta = await hub.fileMeta('bench/model', 'main', 'model.gguf');
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const mbps = (ms: number): number => SIZE / 2 ** 20 / (ms / 1000);

  // CPU seconds per GiB: curl's from bash's `times` (its children's user + sys), ours from this
  // process (every thread: the event loop, the file-system pool and the sha256 worker).
  const cpu = { curl: [] as number[], o1: [] as number[], o4: [] as number[] };
  const perGiB = (s: number): number => s / (SIZE / 2 ** 30);
  const curl = (): number => {
    const out = path.join(dir, 'curl.bin');
    const t = performance.now();
    const times = execFileSync('bash', ['-c', 'curl -sSL -o "$1" "$2" && times', 'bench', out, meta.url], {
      encoding: 'utf8',
    });
    const ms = performance.now() - t;
    const [user, sys] = [...(times.trim().split('\n')[1] ?? '').matchAll(/(\d+)m([\d.]+)s/g)].map(
      (m) => Number(m[1]) * 60 + Number(m[2]),
    );
    cpu.curl.push(perGiB((user ?? 0) + (sys ?? 0)));
    // The same check done after the transfer, with OpenSSL's sha256 (as fast as this process's).
    const h = performance.now();
    execFileSync('openssl', ['dgst', '-sha256', out]);
    hashMs.push(performance.now() - h);
    rmSync(out);
    return ms;
  };
  const hashMs: number[] = [];
  const ours = async (connections: 1 | 4, signal = new AbortController().signal): Promise<number> => {
    const dest = path.join(dir, `ours-${connections}.bin`);
    const u0 = process.cpuUsage();
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
    const u = process.cpuUsage(u0);
    cpu[connections === 1 ? 'o1' : 'o4'].push(perGiB((u.user + u.system) / 1e6));
    rmSync(r.part);
    return ms;
  };

  const c: number[] = [];
  const o1: number[] = [];
  const o4: number[] = [];
  // Each client starts with the disk's write-back caught up (`sync`), and the order turns every run:
  // a client never pays for the dirty pages the one before it left.
  const clients = [async () => c.push(curl()), async () => o1.push(await ours(1)), async () => o4.push(await ours(4))];
  for (let i = 0; i < RUNS; i++)
    for (let k = 0; k < clients.length; k++) {
      execFileSync('sync');
      await clients[(i + k) % clients.length]!();
    }
  console.log(
    `file: ${SIZE / 2 ** 20} MiB over loopback (redirect to the CDN server, then Range GETs), median of ${RUNS}`,
  );
  console.log(`curl -L              ${mbps(median(c)).toFixed(0).padStart(6)} MiB/s`);
  const verified = median(c) + median(hashMs);
  console.log(
    `curl -L + openssl    ${mbps(verified).toFixed(0).padStart(6)} MiB/s   (curl when its file is verified too; labforge 1 connection = ${(verified / median(o1)).toFixed(2)}x of it)`,
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
    `sha256 alone           ${mbps(hashOnly).toFixed(0).padStart(4)} MiB/s   (one core; labforge hashes on a worker thread beside the transfer)`,
  );
  console.log(
    `CPU per GiB: curl ${median(cpu.curl).toFixed(2)} s, labforge 1 connection ${median(cpu.o1).toFixed(2)} s, 4 connections ${median(cpu.o4).toFixed(2)} s ` +
      `(${os.cpus().length} cores here, shared with the server process: where they are all busy, throughput follows CPU per byte)`,
  );
  // What no verifying client can go under: curl's own work plus one sha256 pass over the bytes.
  const hashPerGiB = perGiB(hashOnly / 1000);
  console.log(
    `floor for a verifying client: curl ${median(cpu.curl).toFixed(2)} + sha256 ${hashPerGiB.toFixed(2)} = ${(median(cpu.curl) + hashPerGiB).toFixed(2)} CPU s/GiB`,
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
