import { promises as fs } from 'node:fs';
import path from 'node:path';
import { AppError } from '../../../shared/errors.js';
import { fixCosmetic, formatFinding } from '../../../shared/taxonomy/index.js';
import { writeFileAtomic } from '../../util/fs.js';
import { resolveInside } from '../../taxonomy/safe-path.js';
import { validateAllFiles } from '../../taxonomy/taxonomy-files.js';
import { TaxonomyRepo } from '../../taxonomy/taxonomy-repo.js';
import type { CliIo, Command, CommandArgs } from '../command.js';
import { dataDirOf } from '../with-core.js';

// Validate and diff work on any taxonomy folder (`--taxonomy DIR`), like a linter, without opening
// LabForge's data folder or its core: so they call the taxonomy modules, not the API.
const rootOf = (args: CommandArgs): string => {
  const t = args.values.taxonomy;
  return path.resolve(typeof t === 'string' && t !== '' ? t : path.join(dataDirOf(args), 'taxonomy'));
};

async function validate(args: CommandArgs, io: CliIo): Promise<number> {
  const root = rootOf(args);
  const st = await fs.stat(root).catch(() => null);
  if (!st?.isDirectory())
    throw new AppError('NOT_FOUND', `There is no taxonomy folder at ${root}.`, {
      hint: 'Pass --taxonomy DIR, or create one in the app.',
    });
  let r = await validateAllFiles(root);
  if (args.values.fix) {
    const files = [...new Set(r.findings.filter((f) => f.fixable).map((f) => f.file))];
    for (const f of files) {
      const abs = await resolveInside(root, f);
      const fixed = fixCosmetic(await fs.readFile(abs, 'utf8'));
      await writeFileAtomic(abs, fixed.text);
      if (!args.values.json) io.err(`fixed ${f}: ${fixed.fixes.join(', ')}`);
    }
    if (files.length) r = await validateAllFiles(root);
  }
  if (args.values.json)
    io.out(
      JSON.stringify(
        r.findings.map(({ file, line, column, severity, message }) => ({ file, line, column, severity, message })),
      ),
    );
  else {
    for (const f of r.findings) io.out(formatFinding(f));
    const fixable = r.findings.filter((f) => f.fixable).length;
    io.out(
      `${r.files} qna.yaml file${r.files === 1 ? '' : 's'} checked in ${root}: ${r.errors} error${r.errors === 1 ? '' : 's'}, ${r.warnings} warning${r.warnings === 1 ? '' : 's'}.` +
        (fixable ? ` ${fixable} cosmetic problem${fixable === 1 ? '' : 's'} can be repaired with --fix.` : '') +
        ` ilab would refuse ${r.ilabRefused} of the files as they are now.`,
    );
  }
  return r.errors > 0 ? 1 : 0;
}

async function diff(args: CommandArgs, io: CliIo): Promise<number> {
  const repo = await TaxonomyRepo.open(rootOf(args));
  const base = typeof args.values.base === 'string' ? args.values.base : undefined;
  const d = await repo.diff(base);
  if (args.values.json) {
    io.out(JSON.stringify(d));
    return 0;
  }
  io.out(`Base: ${d.base}${d.forkPoint ? ` (fork point ${d.forkPoint.slice(0, 7)})` : ''}`);
  if (d.leaves.length === 0)
    io.out(
      'No new or changed leaves: a run would have nothing to train ("No new leaf nodes found in the taxonomy" upstream).',
    );
  else {
    io.out(d.leaves.length === 1 ? 'This leaf will be trained:' : `These ${d.leaves.length} leaves will be trained:`);
    const w = Math.max(...d.leaves.map((l) => l.path.length));
    for (const l of d.leaves) io.out(`  ${l.path.padEnd(w)}  ${l.kind.replace('_', ' ')}, because: ${l.reason}`);
  }
  if (d.skipped.length) {
    io.out('Changed but not trained:');
    for (const s of d.skipped) io.out(`  ${s.path}  (${s.reason})`);
  }
  return 0;
}

export const taxonomyCommand: Command = {
  name: 'taxonomy',
  summary: 'Validate qna.yaml files (InstructLab schema v3 and lint) or list the leaves a run trains (`taxonomy diff`)',
  usage:
    'labforge taxonomy validate [--taxonomy DIR] [--fix] [--json]\n' +
    '       labforge taxonomy diff [--taxonomy DIR] [--base REF|empty] [--json]\n' +
    '       (default DIR: <data dir>/taxonomy; default REF: origin/main when it exists, else the first commit)',
  options: { taxonomy: { type: 'string' }, base: { type: 'string' }, fix: { type: 'boolean', default: false } },
  run: async (args, io) => {
    const [sub] = args.positionals;
    if (sub === 'validate') return validate(args, io);
    if (sub === 'diff') return diff(args, io);
    io.err(`Usage: ${taxonomyCommand.usage}`);
    return 2;
  },
};
