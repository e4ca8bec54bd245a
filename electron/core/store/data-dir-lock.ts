import { linkSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * One owner per data folder. The owner (the desktop app, `labforge serve`, a CLI command that runs
 * jobs) holds `labforge.lock`: it alone starts jobs, and it alone may decide that jobs left
 * `running` belong to a process that is gone. Every other process on the same folder is a reader:
 * it lists jobs, models and logs beside the live owner without touching its work.
 *
 * The lock file names the owner's pid and host; a lock whose process is gone (crash, kill -9) is
 * stale and is taken over. Creation is atomic: the record is written to a private file, then
 * hard-linked to the lock name, which fails when another process got there first.
 */
export interface LockOwner {
  pid: number;
  hostname: string;
  startedAt: number;
  /** What the owner is (`labforge serve`, `LabForge desktop`, `labforge train`, ...). */
  what: string;
}

export type DataDirAccess =
  | { role: 'owner'; lockFile: string; release(): void }
  | { role: 'reader'; lockFile: string; owner: LockOwner; release(): void };

export const LOCK_NAME = 'labforge.lock';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else: still alive.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readOwner(file: string): LockOwner | null {
  try {
    const o = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockOwner>;
    if (typeof o.pid !== 'number' || typeof o.hostname !== 'string') return null;
    return {
      pid: o.pid,
      hostname: o.hostname,
      startedAt: Number(o.startedAt) || 0,
      what: String(o.what ?? 'LabForge'),
    };
  } catch {
    return null; // unreadable or half-written: treated as stale
  }
}

/** A lock taken on another machine (a shared network folder) is never judged stale from here. */
function isLive(owner: LockOwner): boolean {
  return owner.hostname !== os.hostname() || (owner.pid !== process.pid && alive(owner.pid));
}

export type LockAttempt = { ok: true; release(): void } | { ok: false; owner: LockOwner };

/** One attempt to take `lockFile` for `what`; a stale lock (its process gone) is taken over. */
export function tryLockFile(lockFile: string, what: string): LockAttempt {
  const me: LockOwner = { pid: process.pid, hostname: os.hostname(), startedAt: Date.now(), what };
  const dir = path.dirname(lockFile);
  const mine = path.join(dir, `.${path.basename(lockFile)}.${process.pid}.${Math.random().toString(36).slice(2)}`);
  // Readable by all: another user's LabForge must be able to see who holds a machine-wide lock.
  writeFileSync(mine, `${JSON.stringify(me)}\n`, { mode: 0o644 });
  try {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        linkSync(mine, lockFile);
        let released = false;
        return {
          ok: true,
          release: () => {
            if (released) return;
            released = true;
            const now = readOwner(lockFile);
            if (now && now.pid === me.pid && now.startedAt === me.startedAt) rmSync(lockFile, { force: true });
          },
        };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const owner = readOwner(lockFile);
      if (owner && isLive(owner)) return { ok: false, owner };
      // Stale: its process is gone. Remove it and try again (another process may win the race).
      try {
        unlinkSync(lockFile);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
    const owner = readOwner(lockFile);
    if (owner) return { ok: false, owner };
    throw new Error(`could not take ${lockFile}`);
  } finally {
    rmSync(mine, { force: true });
  }
}

/**
 * Takes the data folder as its owner, or, when a live process owns it, returns reader access
 * naming that owner. `what` describes this process in the lock file.
 */
export function acquireDataDir(dataDir: string, what: string): DataDirAccess {
  const lockFile = path.join(dataDir, LOCK_NAME);
  const got = tryLockFile(lockFile, what);
  return got.ok
    ? { role: 'owner', lockFile, release: got.release }
    : { role: 'reader', lockFile, owner: got.owner, release: () => undefined };
}

export function describeOwner(o: LockOwner): string {
  const since = o.startedAt ? ` since ${new Date(o.startedAt).toISOString().slice(0, 16).replace('T', ' ')}` : '';
  const where = o.hostname === os.hostname() ? '' : ` on ${o.hostname}`;
  return `${o.what} (pid ${o.pid}${where}${since})`;
}
