import path from 'node:path';
import type { Command } from '../command.js';
import { withClient } from '../with-core.js';

const kib = (n: number): string =>
  n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1024 / 1024).toFixed(1)} MiB`;

export const diagnosticsCommand: Command = {
  name: 'diagnostics',
  summary: 'Write a zip of logs, hardware report, settings and versions for a bug report (secrets left out)',
  usage: 'labforge diagnostics [--out FILE] [--data-dir DIR] [--json]',
  options: { out: { type: 'string', short: 'o' } },
  // Reads only: it works beside a running LabForge that owns the data folder, like `labforge jobs`.
  run: (args, io) =>
    withClient(args, async (api) => {
      const out =
        typeof args.values.out === 'string' && args.values.out !== '' ? path.resolve(args.values.out) : undefined;
      const r = await api.call('diagnostics.create', out === undefined ? {} : { out });
      if (args.values.json) io.out(JSON.stringify(r));
      else {
        io.out(`Wrote ${r.path} (${kib(r.bytes)}, ${r.files.length} files, ${r.redacted} values redacted).`);
        io.out('Tokens, API keys and taxonomy content are left out; MANIFEST.json inside lists what it holds.');
      }
      return 0;
    }),
};
