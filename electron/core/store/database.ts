import Database from 'better-sqlite3';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { AppError } from '../../shared/errors.js';
import { LATEST_SCHEMA_VERSION, migrations } from './migrations.js';
import { nativeLoadError } from './sqlite-binding.js';

const SQLITE_MAGIC = 'SQLite format 3\0';

export type Db = Database.Database;

function readHeader(file: string): string | null {
  let size: number;
  try {
    size = statSync(file).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  if (size === 0) return null; // an empty file is a fresh database to SQLite
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(16);
    const n = readSync(fd, buf, 0, 16, 0);
    return buf.subarray(0, n).toString('latin1');
  } finally {
    closeSync(fd);
  }
}

/**
 * Opens (or creates) the app database and migrates it. A file that is not SQLite, or that a newer
 * LabForge has migrated past what we know, is refused before anything is written to it.
 */
export function openDatabase(file: string, opts: { nativeBinding?: string | null } = {}): { db: Db; version: number } {
  const header = readHeader(file);
  if (header !== null && header !== SQLITE_MAGIC) {
    throw new AppError(
      'DATABASE_INVALID',
      `${file} is not a LabForge database (not an SQLite file). It was left untouched.`,
      {
        hint: 'Move the file away or start LabForge with another --data-dir.',
        details: { path: file },
      },
    );
  }
  let db: Db;
  try {
    db = new Database(file, opts.nativeBinding ? { nativeBinding: opts.nativeBinding } : {});
  } catch (err) {
    const native = nativeLoadError(err, 'better-sqlite3');
    if (native) throw native;
    throw new AppError('DATABASE_INVALID', `Cannot open the database ${file}: ${(err as Error).message}`, {
      details: { path: file },
      cause: err,
    });
  }
  try {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > LATEST_SCHEMA_VERSION) {
      throw new AppError(
        'DATABASE_TOO_NEW',
        `${file} was created by a newer LabForge (schema ${version}; this version knows up to ${LATEST_SCHEMA_VERSION}). It was left untouched.`,
        {
          hint: 'Update LabForge, or use another --data-dir.',
          details: { path: file, version, supported: LATEST_SCHEMA_VERSION },
        },
      );
    }
    db.pragma('journal_mode = WAL');
    // A finished job must survive a power cut, not only a crash: sync on every commit.
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    for (let v = version; v < LATEST_SCHEMA_VERSION; v++) {
      db.transaction(() => {
        db.exec(migrations[v] ?? '');
        db.pragma(`user_version = ${v + 1}`);
      })();
    }
    return { db, version: LATEST_SCHEMA_VERSION };
  } catch (err) {
    db.close();
    if (err instanceof AppError) throw err;
    throw new AppError('DATABASE_INVALID', `Cannot use the database ${file}: ${(err as Error).message}`, {
      details: { path: file },
      cause: err,
    });
  }
}
