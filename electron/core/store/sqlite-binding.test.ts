import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/helpers/temp-dir.js';
import { openDatabase } from './database.js';
import { electronBindingPath, nativeLoadError, pickSqliteBinding, type RuntimeFacts } from './sqlite-binding.js';

const root = path.resolve(import.meta.dirname, '../../..');
const base: RuntimeFacts = {
  electronVersion: undefined,
  packaged: false,
  platform: 'linux',
  arch: 'x64',
  appRoot: root,
};
const tmp = tempDir();
afterAll(() => tmp.remove());

describe('pickSqliteBinding', () => {
  it('plain Node (the CLI, labforge serve) keeps the default binary', () => {
    expect(pickSqliteBinding(base, () => false)).toBeNull();
  });

  it('a packaged app uses the binary electron-builder rebuilt inside the package', () => {
    expect(pickSqliteBinding({ ...base, electronVersion: '41.7.1', packaged: true }, () => false)).toBeNull();
  });

  it('an unpackaged Electron loads its own build from the folder beside node_modules', () => {
    const rt = { ...base, electronVersion: '41.7.1' };
    const seen: string[] = [];
    const file = pickSqliteBinding(rt, (f: string) => (seen.push(f), true));
    expect(file).toBe(electronBindingPath(root, '41.7.1', 'linux', 'x64'));
    expect(file).toContain(path.join('electron-v41.7.1-linux-x64', 'better_sqlite3.node'));
    expect(seen).toEqual([file]);
  });

  it('a missing Electron build is a clear error that says what to run', () => {
    expect(() => pickSqliteBinding({ ...base, electronVersion: '41.7.1' }, () => false)).toThrow(
      expect.objectContaining({
        code: 'NATIVE_MODULE_MISSING',
        message: expect.stringContaining('Electron 41.7.1'),
        hint: expect.stringContaining('npm run rebuild:electron'),
      }),
    );
  });

  it('the build script writes where the picker looks', () => {
    const electron = JSON.parse(readFileSync(path.join(root, 'node_modules/electron/package.json'), 'utf8')).version;
    const r = spawnSync(process.execPath, ['scripts/electron-native.mjs', '--print-path'], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(electronBindingPath(root, electron, process.platform, process.arch));
  });
});

describe('native load errors', () => {
  it('turns an ABI mismatch into one line with the fix', () => {
    const err = new Error(
      "The module '/x/better_sqlite3.node'\nwas compiled against a different Node.js version using\n" +
        'NODE_MODULE_VERSION 145. This version of Node.js requires\nNODE_MODULE_VERSION 115. Please try re-compiling',
    );
    const e = nativeLoadError(err, 'better-sqlite3');
    expect(e).toMatchObject({
      code: 'NATIVE_MODULE_ABI',
      hint: 'Run `npm rebuild better-sqlite3` (it rebuilds it for this Node.js).',
    });
    expect(e!.message).toBe('better-sqlite3 was built for another runtime (ABI 145); this one needs ABI 115.');
  });

  it('a binding that is not a loadable library is refused with the module named, not a stack', () => {
    const fake = path.join(tmp.path, 'better_sqlite3.node');
    writeFileSync(fake, 'not a shared object');
    expect(() => openDatabase(path.join(tmp.path, 'x.db'), { nativeBinding: fake })).toThrow(
      expect.objectContaining({ code: 'NATIVE_MODULE_ABI', message: expect.stringContaining('better-sqlite3') }),
    );
  });

  it('unrelated errors are left alone', () => {
    expect(nativeLoadError(new Error('disk I/O error'), 'better-sqlite3')).toBeNull();
  });
});
