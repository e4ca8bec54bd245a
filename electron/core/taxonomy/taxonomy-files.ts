import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { FindingInfo, TreeEntryInfo } from '../../shared/contract/index.js';
import { AppError } from '../../shared/errors.js';
import {
  fixCosmetic,
  kindOf,
  leafIdOf,
  QNA_LIMITS,
  TRAINED_FOLDERS,
  validateQna,
  type Finding,
} from '../../shared/taxonomy/index.js';
import { mkdirs, writeFileAtomic } from '../util/fs.js';
import { resolveInside, toPosix } from './safe-path.js';

export const etagOf = (text: string): string => createHash('sha1').update(text).digest('hex');
const TEXT_EXT = /\.(ya?ml|txt|md)$/i;
const MAX_TREE_ENTRIES = 20_000;
const isQna = (rel: string): boolean => path.posix.basename(rel) === 'qna.yaml';

const tooLarge = (rel: string, bytes: number): AppError =>
  new AppError(
    'FILE_TOO_LARGE',
    `${rel} is ${(bytes / 1024 / 1024).toFixed(1)} MiB; LabForge edits files of at most 1 MiB.`,
    {
      hint: 'A qna.yaml holds short excerpts; put long text into a knowledge document instead.',
      details: { path: rel, bytes },
    },
  );

export async function readText(root: string, rel: string): Promise<{ path: string; text: string; etag: string }> {
  if (!TEXT_EXT.test(rel))
    throw new AppError('INVALID_REQUEST', `LabForge opens only .yaml, .txt and .md files here, not "${rel}".`);
  const abs = await resolveInside(root, rel);
  const st = await fs.lstat(abs).catch(() => null);
  if (!st) throw new AppError('NOT_FOUND', `${rel} does not exist in the taxonomy.`);
  if (!st.isFile()) throw new AppError('INVALID_REQUEST', `${rel} is not a regular file.`);
  if (st.size > QNA_LIMITS.maxFileBytes) throw tooLarge(rel, st.size);
  const text = await fs.readFile(abs, 'utf8');
  return { path: toPosix(rel), text, etag: etagOf(text) };
}

export interface WriteResult {
  path: string;
  text: string;
  etag: string;
  fixes: string[];
  findings: Finding[];
}

/**
 * Saves a text file atomically. qna.yaml gets its cosmetic lint repaired first. `ifMatch` is the
 * etag the editor read: when the file changed on disk since, nothing is written (CONFLICT).
 */
export async function writeText(
  root: string,
  rel: string,
  text: string,
  opts: { ifMatch?: string | null; createOnly?: boolean } = {},
): Promise<WriteResult> {
  if (!TEXT_EXT.test(rel))
    throw new AppError('INVALID_REQUEST', `LabForge writes only .yaml, .txt and .md files here, not "${rel}".`);
  const bytes = Buffer.byteLength(text);
  if (bytes > QNA_LIMITS.maxFileBytes) throw tooLarge(rel, bytes);
  const abs = await resolveInside(root, rel);
  const st = await fs.lstat(abs).catch(() => null);
  if (st && !st.isFile()) throw new AppError('INVALID_REQUEST', `${rel} is not a regular file; nothing was written.`);
  if (st && opts.createOnly) throw new AppError('CONFLICT', `${rel} already exists; nothing was overwritten.`);
  if (opts.ifMatch !== undefined) {
    const current = st ? etagOf(await fs.readFile(abs, 'utf8')) : null;
    if (current !== opts.ifMatch)
      throw new AppError(
        'CONFLICT',
        `${rel} was changed by another program since you opened it; your edit was not saved, so nothing was overwritten.`,
        {
          hint: 'Copy your changes, reload the file, and apply them again.',
          details: { path: rel },
        },
      );
  }
  let out = text;
  let fixes: string[] = [];
  if (isQna(rel)) ({ text: out, fixes } = fixCosmetic(text));
  else if (out !== '' && !out.endsWith('\n')) out += '\n';
  await mkdirs(path.dirname(abs));
  await writeFileAtomic(abs, out);
  const relPosix = toPosix(rel);
  return {
    path: relPosix,
    text: out,
    etag: etagOf(out),
    fixes,
    findings: isQna(rel) ? validateQna(out, relPosix).findings : [],
  };
}

/** Every folder under the three top folders; leaves (with a qna.yaml) marked. Symlinks are reported, not followed. */
export async function listTree(root: string): Promise<TreeEntryInfo[]> {
  const out: TreeEntryInfo[] = [];
  const walk = async (rel: string): Promise<void> => {
    if (out.length >= MAX_TREE_ENTRIES) return;
    const entries = await fs.readdir(path.join(root, rel), { withFileTypes: true }).catch(() => []);
    entries.sort((a, b) => a.name.localeCompare(b.name));
    const names = new Set(entries.map((e) => e.name));
    const isLeaf = entries.some((e) => e.isFile() && e.name === 'qna.yaml');
    let problem: string | null = null;
    if (!isLeaf && names.has('qna.yml')) problem = 'qna.yml is skipped by InstructLab: rename it to qna.yaml';
    const links = entries.filter((e) => e.isSymbolicLink()).map((e) => e.name);
    if (links.length) problem = `symbolic link${links.length > 1 ? 's' : ''} not followed: ${links.join(', ')}`;
    if (rel.includes(' ')) problem = 'folder names use "_" instead of spaces';
    out.push({
      path: rel,
      type: isLeaf ? 'leaf' : 'dir',
      kind: isLeaf ? kindOf(`${rel}/qna.yaml`) : null,
      leafId: leafIdOf(`${rel}/x`),
      hasAttribution: names.has('attribution.txt'),
      files: entries.filter((e) => e.isFile() && e.name !== 'qna.yaml').map((e) => e.name),
      problem,
    });
    for (const e of entries) if (e.isDirectory() && !e.name.startsWith('.')) await walk(`${rel}/${e.name}`);
  };
  for (const top of ['knowledge', 'compositional_skills', 'foundational_skills']) {
    const st = await fs.lstat(path.join(root, top)).catch(() => null);
    if (st?.isDirectory()) await walk(top);
  }
  return out;
}

/** Validates every qna.yaml a run reads (knowledge/ and compositional_skills/), plus upstream's attribution check. */
export async function validateAllFiles(
  root: string,
): Promise<{ files: number; errors: number; warnings: number; ilabRefused: number; findings: FindingInfo[] }> {
  const tree = await listTree(root);
  const findings: Finding[] = [];
  let files = 0;
  let ilabRefused = 0;
  for (const e of tree) {
    if (!TRAINED_FOLDERS.some((t) => e.path === t || e.path.startsWith(`${t}/`))) continue;
    if (e.problem?.startsWith('qna.yml'))
      findings.push({
        file: `${e.path}/qna.yml`,
        line: 1,
        column: 1,
        severity: 'warning',
        rule: 'file.name',
        message: 'InstructLab skips files named qna.yml: rename it to qna.yaml.',
      });
    if (e.type !== 'leaf') continue;
    files++;
    const rel = `${e.path}/qna.yaml`;
    try {
      const { text } = await readText(root, rel);
      const r = validateQna(text, rel);
      findings.push(...r.findings);
      if (!r.ilabAccepts) ilabRefused++;
    } catch (err) {
      ilabRefused++;
      findings.push({
        file: rel,
        line: 1,
        column: 1,
        severity: 'error',
        rule: 'file.unreadable',
        message: (err as Error).message,
      });
    }
    if (!e.hasAttribution)
      findings.push({
        file: `${e.path}/attribution.txt`,
        line: 1,
        column: 1,
        severity: 'warning',
        rule: 'file.attribution',
        message:
          'No attribution.txt next to this qna.yaml: the upstream taxonomy requires one (title, link, license, creators).',
      });
  }
  return {
    files,
    errors: findings.filter((f) => f.severity === 'error').length,
    warnings: findings.filter((f) => f.severity === 'warning').length,
    ilabRefused,
    findings,
  };
}
