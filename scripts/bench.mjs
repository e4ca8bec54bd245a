#!/usr/bin/env node
// `npm run bench`: runs every benchmark in bench/ (files *.bench.mjs, *.bench.ts via tsx, and
// *.bench.sh) one after another and prints their figures. Benchmarks never fail on time.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';

const dir = path.resolve('bench');
const only = process.argv[2];
const files = readdirSync(dir)
  .filter((f) => /\.bench\.(mjs|ts|sh)$/.test(f))
  .filter((f) => !only || f.includes(only))
  .sort();
let failed = 0;
for (const f of files) {
  console.log(`\n=== ${f} ===`);
  const file = path.join(dir, f);
  const [cmd, args] = f.endsWith('.sh')
    ? ['bash', [file]]
    : f.endsWith('.ts')
      ? [process.execPath, ['--import', 'tsx', file]]
      : [process.execPath, [file]];
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
if (failed) {
  console.error(`${failed} benchmark(s) could not run`);
  process.exit(1);
}
