import path from 'node:path';
import { AppError } from '../../shared/errors.js';

/**
 * Which better-sqlite3 binary a runtime loads.
 *
 * The CLI and `labforge serve` run on plain Node and the desktop window on Electron; both share
 * one `node_modules`, but a native module is built for one ABI. Node keeps the default binary in
 * `node_modules/better-sqlite3/build/Release`; an unpackaged Electron (a checkout, `npm start`)
 * loads its own build from a folder beside it, passed as better-sqlite3's `nativeBinding` option.
 * A packaged app needs nothing: electron-builder rebuilds the module for Electron's ABI inside the
 * package, where there is no Node to share it with. See docs/ARCHITECTURE.md ("Native modules").
 */
export interface RuntimeFacts {
  /** `process.versions.electron`; undefined on plain Node. */
  electronVersion: string | undefined;
  /** Electron's `app.isPackaged`. */
  packaged: boolean;
  platform: string;
  arch: string;
  /** The project root (Electron's `app.getAppPath()` in a checkout). */
  appRoot: string;
}

/** The folder, under the project root, that holds the Electron builds of our native modules. */
export const ELECTRON_NATIVE_DIR = path.join('node_modules', '.cache', 'labforge-native');

export function electronBindingPath(appRoot: string, electronVersion: string, platform: string, arch: string): string {
  return path.join(
    appRoot,
    ELECTRON_NATIVE_DIR,
    `electron-v${electronVersion}-${platform}-${arch}`,
    'better_sqlite3.node',
  );
}

/**
 * The `nativeBinding` to pass to better-sqlite3: null for the default binary (plain Node, or a
 * packaged Electron app), otherwise the path of the Electron build, which must exist.
 */
export function pickSqliteBinding(rt: RuntimeFacts, exists: (file: string) => boolean): string | null {
  if (!rt.electronVersion || rt.packaged) return null;
  const file = electronBindingPath(rt.appRoot, rt.electronVersion, rt.platform, rt.arch);
  if (exists(file)) return file;
  throw new AppError(
    'NATIVE_MODULE_MISSING',
    `better-sqlite3 has no build for Electron ${rt.electronVersion} (${rt.platform}-${rt.arch}) yet.`,
    {
      hint: 'Run `npm run rebuild:electron` (needs internet once), or `npm run serve` for the browser UI.',
      details: { expected: file },
    },
  );
}

/** Turns the loader's "compiled against a different Node.js version" into one line with the fix. */
export function nativeLoadError(err: unknown, module: string): AppError | null {
  const message = err instanceof Error ? err.message : String(err);
  const abi = /NODE_MODULE_VERSION (\d+)[\s\S]*?NODE_MODULE_VERSION (\d+)/.exec(message);
  if (abi) {
    return new AppError(
      'NATIVE_MODULE_ABI',
      `${module} was built for another runtime (ABI ${abi[1]}); this one needs ABI ${abi[2]}.`,
      {
        hint: process.versions.electron
          ? 'Run `npm run rebuild:electron`.'
          : `Run \`npm rebuild ${module}\` (it rebuilds it for this Node.js).`,
        cause: err,
      },
    );
  }
  const dlopen = (err as { code?: string } | null)?.code === 'ERR_DLOPEN_FAILED';
  if (dlopen || /invalid ELF header|cannot open shared object file|not a valid Win32 application/i.test(message)) {
    return new AppError('NATIVE_MODULE_ABI', `${module} cannot be loaded here: ${message.split('\n')[0]}`, {
      hint: `Run \`npm rebuild ${module}\`.`,
      cause: err,
    });
  }
  return null;
}
