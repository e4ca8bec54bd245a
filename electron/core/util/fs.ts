import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { AppError } from '../../shared/errors.js';

/**
 * Writes to a temporary name in the same folder, flushes it to disk, renames it into place and
 * flushes the folder, so neither a crash nor a power cut leaves a half file (or an empty one that
 * the rename made visible before its data reached the disk).
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(4).toString('hex')}.part`);
  try {
    const h = await fs.open(tmp, 'w');
    try {
      await h.writeFile(data);
      await h.sync();
    } finally {
      await h.close();
    }
    await fs.rename(tmp, file);
    await syncDir(path.dirname(file));
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
}

/** Flushes a folder's entries (a rename) to disk; a no-op where folders cannot be opened (Windows). */
export async function syncDir(dir: string): Promise<void> {
  let h: fs.FileHandle | null = null;
  try {
    h = await fs.open(dir, 'r');
    await h.sync();
  } catch {
    // EISDIR/EPERM on platforms without directory fsync: the rename is still atomic.
  } finally {
    await h?.close();
  }
}

/** The temporary names `writeFileAtomic` uses; other `.part` files (downloads) are resumable work. */
const ATOMIC_PART = /^\..+\.[0-9a-f]{8}\.part$/;

/**
 * Removes what a crash left behind: the whole `tmp/` folder and `writeFileAtomic`'s temporary
 * files at most `depth` levels below `root` (never following symlinks). A download's `.part` is
 * kept: it resumes by byte range. Returns how many entries were removed.
 */
export async function cleanDebris(root: string, depth = 3): Promise<number> {
  let removed = 0;
  const tmp = path.join(root, 'tmp');
  if (await fs.stat(tmp).catch(() => null)) {
    await fs.rm(tmp, { recursive: true, force: true });
    removed++;
  }
  const walk = async (dir: string, level: number): Promise<void> => {
    const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (e.isFile() && ATOMIC_PART.test(e.name)) {
        await fs.rm(p, { recursive: true, force: true });
        removed++;
      } else if (e.isDirectory() && !e.isSymbolicLink() && level < depth) {
        await walk(p, level + 1);
      }
    }
  };
  await walk(root, 0);
  return removed;
}

/** Makes sure `dir` exists and that we can create files in it; DATA_DIR_NOT_WRITABLE otherwise. */
export async function ensureWritableDir(dir: string, mode?: number): Promise<void> {
  try {
    const created = !(await fs.stat(path.resolve(dir)).catch(() => null));
    await mkdirs(path.resolve(dir));
    // A new data folder is the user's alone (it holds keys, tokens and their taxonomy).
    if (created && mode !== undefined) await fs.chmod(dir, mode).catch(() => undefined);
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
