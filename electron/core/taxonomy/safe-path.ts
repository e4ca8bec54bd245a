import { promises as fs } from 'node:fs';
import path from 'node:path';
import { AppError } from '../../shared/errors.js';

const outside = (rel: string, why: string): AppError =>
  new AppError('PATH_OUTSIDE_ROOT', `"${rel}" is outside the taxonomy folder (${why}); nothing was read or written.`, {
    hint: 'Use a path relative to the taxonomy root, such as knowledge/science/astronomy/qna.yaml.',
    details: { path: rel },
  });

const isInside = (root: string, p: string): boolean => {
  const r = path.relative(root, p);
  return r === '' || (!r.startsWith('..') && !path.isAbsolute(r));
};

/**
 * Resolves `rel` under `root`, refusing absolute paths, `..`, the `.git` folder and symbolic
 * links that lead outside the root (checked on the longest part of the path that exists).
 */
export async function resolveInside(root: string, rel: string): Promise<string> {
  if (rel.includes('\0')) throw outside(rel, 'it contains a NUL character');
  const norm = rel.replace(/\\/g, '/');
  if (path.isAbsolute(norm) || /^[A-Za-z]:/.test(norm)) throw outside(rel, 'it is an absolute path');
  const parts = norm.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw outside(rel, 'it goes up with ".."');
  if (parts[0] === '.git') throw outside(rel, 'it points into the .git folder');
  const abs = path.resolve(root, ...parts);
  if (!isInside(root, abs)) throw outside(rel, 'it resolves elsewhere');
  const realRoot = await fs.realpath(root);
  let probe = abs;
  for (;;) {
    const real = await fs.realpath(probe).catch(() => null);
    if (real !== null) {
      if (!isInside(realRoot, real)) throw outside(rel, 'a symbolic link leads out of it');
      break;
    }
    const parent = path.dirname(probe);
    if (parent === probe) break;
    probe = parent;
  }
  return abs;
}

/** `a\b` → `a/b`: every path crossing the API uses forward slashes. */
export const toPosix = (p: string): string => p.split(path.sep).join('/');
