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
  const curlCpu: number[] = [];
  const cpu: Record<string, number[]> = { curl: curlCpu };
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
    curlCpu.push(perGiB((user ?? 0) + (sys ?? 0)));
    // The same check done after the transfer, with OpenSSL's sha256 (as fast as this process's).
    const h = performance.now();
    execFileSync('openssl', ['dgst', '-sha256', out]);
    hashMs.push(performance.now() - h);
    rmSync(out);
    return ms;
  };
  const hashMs: number[] = [];
  // Our client as the app runs it (up to 4 connections: the others open only when one is slow),
  // on one connection, and with 4 at once (what a CDN that caps each connection gets).
  const variants = [
    { name: 'labforge default', label: 'up to 4 connections, the app default', connections: 4, fast: undefined },
    { name: 'labforge 1 connection', label: 'one connection', connections: 1, fast: undefined },
    { name: 'labforge 4 at once', label: '4 connections from the start', connections: 4, fast: 0 },
  ];
  const times: Record<string, number[]> = Object.fromEntries(variants.map((v) => [v.name, []]));
  const ours = async (v: (typeof variants)[number]): Promise<void> => {
    const dest = path.join(dir, 'ours.bin');
    const u0 = process.cpuUsage();
    const t = performance.now();
    const r = await downloadFile({
      url: meta.url,
      headers: {},
      dest,
      size: meta.size,
      etag: meta.etag,
      sha256: meta.sha256,
      signal: new AbortController().signal,
      connections: v.connections,
      fastBytesPerSecond: v.fast,
      onBytes: () => undefined,
    });
    times[v.name]!.push(performance.now() - t);
    const u = process.cpuUsage(u0);
    (cpu[v.name] ??= []).push(perGiB((u.user + u.system) / 1e6));
    rmSync(r.part);
    rmSync(`${dest}.part.json`, { force: true });
  };

  const c: number[] = [];
  // Each client starts with the disk's write-back caught up (`sync`), and the order turns every run:
  // a client never pays for the dirty pages the one before it left.
  const clients = [async () => void c.push(curl()), ...variants.map((v) => () => ours(v))];
  for (let i = 0; i < RUNS; i++)
    for (let k = 0; k < clients.length; k++) {
      execFileSync('sync');
      await clients[(i + k) % clients.length]!();
    }
  console.log(
    `file: ${SIZE / 2 ** 20} MiB over loopback (redirect to the CDN server, then Range GETs), median of ${RUNS}`,
  );
  const col = (name: string): string => name.padEnd(24);
  console.log(`${col('curl -L')}${mbps(median(c)).toFixed(0).padStart(5)} MiB/s`);
  const verified = median(c) + median(hashMs);
  console.log(
    `${col('curl -L, then openssl')}${mbps(verified).toFixed(0).padStart(5)} MiB/s   (curl when its file is verified too)`,
  );
  for (const v of variants) {
    const t = median(times[v.name]!);
    console.log(
      `${col(v.name)}${mbps(t).toFixed(0).padStart(5)} MiB/s   ${(median(c) / t).toFixed(2)}x curl, ${(verified / t).toFixed(2)}x curl+openssl   (${v.label}; sha256 on the way)`,
    );
  }
  console.log('target: labforge default >= 0.95x curl');

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
    `CPU per GiB: ${Object.entries(cpu)
      .map(([k, xs]) => `${k} ${median(xs).toFixed(2)} s`)
      .join(', ')} ` +
      `(${os.cpus().length} cores here, shared with the server process: where they are all busy, throughput follows CPU per byte)`,
  );
  // What no verifying client can go under: curl's own work plus one sha256 pass over the bytes.
  const hashPerGiB = perGiB(hashOnly / 1000);
  console.log(
    `floor for a verifying client: curl ${median(curlCpu).toFixed(2)} + sha256 ${hashPerGiB.toFixed(2)} = ${(median(curlCpu) + hashPerGiB).toFixed(2)} CPU s/GiB`,
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
