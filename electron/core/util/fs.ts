import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { AppError } from '../../shared/errors.js';

/** Writes to a temporary name in the same folder and renames into place, so a crash never leaves a half file. */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(4).toString('hex')}.part`);
  try {
    await fs.writeFile(tmp, data);
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
}

/** Makes sure `dir` exists and that we can create files in it; DATA_DIR_NOT_WRITABLE otherwise. */
export async function ensureWritableDir(dir: string): Promise<void> {
  try {
    await mkdirs(path.resolve(dir));
    const probe = path.join(dir, `.write-test-${process.pid}-${randomBytes(3).toString('hex')}`);
    await fs.writeFile(probe, '');
    await fs.rm(probe);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new AppError('DATA_DIR_NOT_WRITABLE', `The data folder ${dir} is not writable (${e.code ?? e.message}).`, {
      hint: 'Choose another folder with --data-dir, or fix its permissions.',
      details: { path: dir, errno: e.code },
      cause: err,
    });
  }
}

/**
 * `mkdir -p` one level at a time. Node's own `recursive: true` loops forever on some virtual
 * file systems (a path under /proc never resolves), which would hang the app at start-up.
 */
export async function mkdirs(dir: string): Promise<void> {
  const missing: string[] = [];
  let cur = dir;
  for (;;) {
    const st = await fs.stat(cur).catch(() => null);
    if (st) {
      if (!st.isDirectory()) throw Object.assign(new Error(`${cur} is not a folder`), { code: 'ENOTDIR' });
      break;
    }
    missing.push(cur);
    const parent = path.dirname(cur);
    if (parent === cur) break;
    cur = parent;
  }
  for (const d of missing.reverse()) {
    await fs.mkdir(d).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
    });
  }
}
