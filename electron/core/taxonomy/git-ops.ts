import fs from 'node:fs';
import path from 'node:path';
import git from 'isomorphic-git';
import type { CommitInfo } from '../../shared/contract/index.js';
import { AppError } from '../../shared/errors.js';

export { git, fs };

export type FileState = 'added' | 'modified' | 'deleted' | 'untracked';
export interface FileStatus {
  path: string;
  status: FileState;
  staged: boolean;
}

export const DEFAULT_AUTHOR = { name: 'LabForge', email: 'labforge@localhost' };

export async function isGitRepo(dir: string): Promise<boolean> {
  const st = await fs.promises.stat(path.join(dir, '.git')).catch(() => null);
  return st !== null;
}

export async function requireGitRepo(dir: string): Promise<void> {
  const st = await fs.promises.stat(dir).catch(() => null);
  if (!st?.isDirectory())
    throw new AppError('NOT_FOUND', `There is no folder at ${dir}.`, {
      hint: 'Check the path, or create a new taxonomy there.',
    });
  if (!(await isGitRepo(dir)))
    throw new AppError(
      'NOT_A_GIT_REPO',
      `${dir} is not a git repository, so LabForge cannot track or diff its changes.`,
      {
        hint: 'Open the folder you cloned (it has a .git folder inside), or create a new taxonomy from the template.',
        details: { path: dir },
      },
    );
}

export async function headOid(dir: string): Promise<string | null> {
  return git.resolveRef({ fs, dir, ref: 'HEAD' }).catch(() => null);
}

export async function isMerging(dir: string): Promise<boolean> {
  return (await fs.promises.stat(path.join(dir, '.git', 'MERGE_HEAD')).catch(() => null)) !== null;
}

/** Working-tree changes against HEAD, from isomorphic-git's status matrix. */
export async function fileStatuses(dir: string, filepaths?: string[]): Promise<FileStatus[]> {
  const rows = await git.statusMatrix({ fs, dir, filepaths });
  const out: FileStatus[] = [];
  for (const [file, head, work, stage] of rows) {
    if (head === 1 && work === 1 && stage === 1) continue;
    let status: FileState;
    if (head === 0) status = stage === 0 ? 'untracked' : 'added';
    else if (work === 0) status = 'deleted';
    else if (work === 2 || stage !== 1) status = 'modified';
    else continue;
    const staged = head === 0 ? stage !== 0 : work === 0 ? stage === 0 : stage === work || stage === 3;
    out.push({ path: file, status, staged });
  }
  return out;
}

/** Resolves a branch, tag, remote branch (`origin/main`) or (short) commit id; null when unknown. */
export async function resolveCommit(dir: string, ref: string): Promise<string | null> {
  const viaRef = await git.resolveRef({ fs, dir, ref }).catch(() => null);
  if (viaRef) return viaRef;
  if (/^[0-9a-f]{4,40}$/i.test(ref)) return git.expandOid({ fs, dir, oid: ref.toLowerCase() }).catch(() => null);
  return null;
}

export const toCommitInfo = (c: {
  oid: string;
  commit: { message: string; author: { name: string; email: string; timestamp: number } };
}): CommitInfo => ({
  oid: c.oid,
  message: c.commit.message.trimEnd(),
  author: { name: c.commit.author.name, email: c.commit.author.email },
  time: c.commit.author.timestamp * 1000,
});

/** Stages the given changes (all of them by default) and commits. */
export async function commitAll(
  dir: string,
  message: string,
  author: { name: string; email: string },
  paths?: string[],
): Promise<string> {
  if (await isMerging(dir))
    throw new AppError(
      'GIT_CONFLICT',
      'A merge is not finished in this taxonomy, so LabForge will not commit on top of it.',
      {
        hint: 'Resolve the conflicts and finish the merge with git, or abort it (git merge --abort); nothing was changed.',
      },
    );
  const changes = await fileStatuses(dir, paths);
  if (changes.length === 0)
    throw new AppError('INVALID_REQUEST', 'Nothing to commit: there are no changes.', { hint: 'Save a file first.' });
  for (const c of changes) {
    if (c.status === 'deleted') await git.remove({ fs, dir, filepath: c.path });
    else await git.add({ fs, dir, filepath: c.path });
  }
  return git.commit({ fs, dir, message, author });
}

/** Throws CONFLICT when tracked files have uncommitted changes (untracked files are kept by a checkout). */
export async function requireClean(dir: string, what: string): Promise<void> {
  const dirty = (await fileStatuses(dir)).filter((f) => f.status !== 'untracked');
  if (dirty.length > 0)
    throw new AppError(
      'CONFLICT',
      `You have ${dirty.length} uncommitted change${dirty.length > 1 ? 's' : ''}, so LabForge will not ${what}: it could overwrite them.`,
      {
        hint: 'Commit your changes first (nothing was changed).',
        details: { files: dirty.map((f) => f.path).slice(0, 50) },
      },
    );
}
