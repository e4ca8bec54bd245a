import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/helpers/temp-dir.js';
import { AppError } from '../../shared/errors.js';
import { openDatabase } from './database.js';
import { LATEST_SCHEMA_VERSION } from './migrations.js';

describe('openDatabase', () => {
  const dirs: Array<{ remove(): void }> = [];
  const dir = (): string => {
    const d = tempDir();
    dirs.push(d);
    return d.path;
  };
  afterEach(() => dirs.splice(0).forEach((d) => d.remove()));

  it('creates and migrates a new database in WAL mode', () => {
    const file = path.join(dir(), 'labforge.db');
    const { db, version } = openDatabase(file);
    expect(version).toBe(LATEST_SCHEMA_VERSION);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION);
    db.close();
    // Reopening applies nothing twice.
    openDatabase(file).db.close();
  });

  it('refuses a file that is not SQLite and leaves it untouched', () => {
    const file = path.join(dir(), 'labforge.db');
    writeFileSync(file, 'these are my notes, not a database\n');
    const before = readFileSync(file);
    expect(() => openDatabase(file)).toThrow(AppError);
    try {
      openDatabase(file);
    } catch (err) {
      expect((err as AppError).code).toBe('DATABASE_INVALID');
      expect((err as AppError).message).toContain(file);
    }
    expect(readFileSync(file).equals(before)).toBe(true);
  });

  it('refuses a database from a newer LabForge and leaves it untouched', () => {
    const file = path.join(dir(), 'labforge.db');
    const raw = new Database(file);
    raw.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 5}`);
    raw.exec('CREATE TABLE future (x)');
    raw.close();
    const before = readFileSync(file);
    let caught: unknown;
    try {
      openDatabase(file);
    } catch (err) {
      caught = err;
    }
    expect((caught as AppError).code).toBe('DATABASE_TOO_NEW');
    expect((caught as AppError).hint).toMatch(/Update LabForge/);
    expect(readFileSync(file).equals(before)).toBe(true);
  });
});
