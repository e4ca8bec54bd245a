#!/usr/bin/env node
// The `labforge` command: runs the bundled CLI (build it first with `npm run build`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = new URL('../out/main/cli.js', import.meta.url);
if (!existsSync(fileURLToPath(cli))) {
  process.stderr.write('labforge: not built yet. Run `npm run build` in the LabForge folder first.\n');
  process.exit(1);
}
await import(cli.href);
