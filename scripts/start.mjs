#!/usr/bin/env node
// `npm start`: builds, then opens the desktop app where Electron's binary is installed; otherwise
// says so in one line and serves the same UI to the browser through `labforge serve`.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(root, 'package.json'));
const args = process.argv.slice(2);

if (args.includes('--help') || args.includes('-h')) {
  process.stdout.write(
    [
      'Usage: npm start [-- OPTIONS]',
      '',
      'Builds LabForge, then opens the desktop window when Electron is installed. Where it is not',
      '(a server, a container, a CI runner), it serves the same UI in your browser instead, and these',
      'options reach `labforge serve`:',
      '  --port N          port on 127.0.0.1 (default: a free one)',
      '  --host H          bind address (a non-loopback one needs --allow-remote)',
      '  --allow-remote    allow a non-loopback --host',
      '  --no-open         do not open a browser',
      "  --data-dir DIR    the data folder (default: the desktop app's)",
      '',
      'The desktop window takes --data-dir DIR too (or LABFORGE_DATA_DIR).',
      '',
    ].join('\n'),
  );
  process.exit(0);
}

/** A package's bin, resolved through its package.json (the only file its "exports" promise). */
function binOf(name, binName = name) {
  const pkgFile = require.resolve(`${name}/package.json`);
  const pkg = JSON.parse(readFileSync(pkgFile, 'utf8'));
  const bin = typeof pkg.bin === 'string' ? pkg.bin : pkg.bin?.[binName];
  if (!bin) throw new Error(`${name} declares no "${binName}" bin`);
  return path.join(path.dirname(pkgFile), bin);
}

function fail(line) {
  process.stderr.write(`labforge start: ${line}\n`);
  process.exit(1);
}

let viteBin;
try {
  viteBin = binOf('electron-vite');
} catch {
  fail('electron-vite is not installed. Run `npm ci` first.');
}
const build = spawnSync(process.execPath, [viteBin, 'build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
if (build.status !== 0) fail('the build failed (see above).');

/** The Electron binary's path, or null when the package is there but its binary was never downloaded. */
function electronBinary() {
  try {
    const p = require('electron');
    return typeof p === 'string' && existsSync(p) ? p : null;
  } catch {
    return null;
  }
}
const binary = electronBinary();

function run(file, argv, env = process.env) {
  const child = spawn(file, argv, { cwd: root, stdio: 'inherit', env });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('error', (err) => fail(`cannot start ${path.basename(file)}: ${err.message}`));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 0 : 1)));
}

if (binary) {
  // The window loads better-sqlite3 built for Electron's ABI from its own folder (Node's stays in place).
  const native = spawnSync(process.execPath, [path.join(root, 'scripts', 'electron-native.mjs')], {
    cwd: root,
    stdio: 'inherit',
  });
  if (native.status !== 0) process.exit(1);
  const dataDir = args.indexOf('--data-dir');
  const env = { ...process.env };
  if (dataDir >= 0 && args[dataDir + 1]) env.LABFORGE_DATA_DIR = path.resolve(args[dataDir + 1]);
  run(binary, ['.'], env);
} else {
  console.log('Electron is not installed here; starting LabForge in your browser instead (labforge serve).');
  run(process.execPath, [path.join(root, 'bin', 'labforge.mjs'), 'serve', ...args]);
}
