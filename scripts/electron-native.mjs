#!/usr/bin/env node
// Builds better-sqlite3 for Electron's ABI into its own folder, leaving Node's build in
// node_modules untouched (the CLI and `labforge serve` keep using that one). The Electron main
// process finds it through electron/core/store/sqlite-binding.ts.
//
//   node scripts/electron-native.mjs [--force] [--quiet] [--print-path]
//
// First prebuild-install (better-sqlite3's own installer) fetches the published Electron binary;
// if that fails, node-gyp compiles it against Electron's headers. Both need the internet once.
// npm_config_nodedir is removed from the environment: with it, node-gyp silently builds against
// Node's headers and the result has the wrong ABI for Electron (see shared/ENVIRONMENT.md 1e).
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(root, 'package.json'));
const args = new Set(process.argv.slice(2));
const quiet = args.has('--quiet');
const say = (line) => {
  if (!quiet) process.stderr.write(`${line}\n`);
};

function packageDir(name) {
  return path.dirname(require.resolve(`${name}/package.json`));
}

function binOf(name) {
  const dir = packageDir(name);
  const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
  const bin = typeof pkg.bin === 'string' ? pkg.bin : pkg.bin[name];
  return path.join(dir, bin);
}

const electronVersion = JSON.parse(readFileSync(path.join(packageDir('electron'), 'package.json'), 'utf8')).version;
const target = path.join(
  root,
  'node_modules',
  '.cache',
  'labforge-native',
  `electron-v${electronVersion}-${process.platform}-${process.arch}`,
  'better_sqlite3.node',
);
if (args.has('--print-path')) {
  process.stdout.write(`${target}\n`);
  process.exit(0);
}
if (existsSync(target) && !args.has('--force')) {
  say(`better-sqlite3 for Electron ${electronVersion} is ready: ${path.relative(root, target)}`);
  process.exit(0);
}

const work = path.join(path.dirname(target), 'build-tmp');
rmSync(work, { recursive: true, force: true });
mkdirSync(path.dirname(work), { recursive: true });
cpSync(packageDir('better-sqlite3'), work, {
  recursive: true,
  filter: (src) => !src.includes(`${path.sep}build${path.sep}`) && !src.endsWith(`${path.sep}build`),
});

const env = { ...process.env };
for (const key of Object.keys(env)) if (/^npm_config_nodedir$/i.test(key)) delete env[key];
const run = (file, argv) =>
  spawnSync(process.execPath, [file, ...argv], { cwd: work, env, stdio: quiet ? 'ignore' : 'inherit' }).status === 0;

say(`Fetching better-sqlite3 for Electron ${electronVersion} (${process.platform}-${process.arch})...`);
const ok =
  run(binOf('prebuild-install'), [
    '--runtime',
    'electron',
    '--target',
    electronVersion,
    '--arch',
    process.arch,
    '--platform',
    process.platform,
  ]) ||
  (say('No prebuilt binary; compiling against Electron headers...'),
  run(binOf('node-gyp'), [
    'rebuild',
    '--release',
    '--runtime=electron',
    `--target=${electronVersion}`,
    `--arch=${process.arch}`,
    '--dist-url=https://electronjs.org/headers',
  ]));
const built = path.join(work, 'build', 'Release', 'better_sqlite3.node');
if (!ok || !existsSync(built)) {
  rmSync(work, { recursive: true, force: true });
  process.stderr.write(
    `Could not fetch or build better-sqlite3 for Electron ${electronVersion}: it needs the internet once ` +
      '(github.com for the prebuilt binary, electronjs.org for the headers). `npm run serve` starts the browser UI meanwhile.\n',
  );
  process.exit(1);
}
cpSync(built, `${target}.part`);
renameSync(`${target}.part`, target);
rmSync(work, { recursive: true, force: true });
say(`better-sqlite3 for Electron ${electronVersion}: ${path.relative(root, target)}`);
