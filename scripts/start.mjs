#!/usr/bin/env node
// `npm start`: the desktop app when Electron's binary is installed; otherwise say so in one line
// and run the same UI in the browser through `labforge serve`.
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const build = spawnSync(process.execPath, [require.resolve('electron-vite/bin/electron-vite.js'), 'build'], {
  stdio: 'inherit',
});
if (build.status !== 0) process.exit(build.status ?? 1);

function electronBinary() {
  try {
    return require('electron'); // the path of the binary; throws when it was never downloaded
  } catch {
    return null;
  }
}
const binary = electronBinary();

const args = process.argv.slice(2);
const child = binary
  ? spawn(binary, ['.', ...args], { stdio: 'inherit' })
  : (console.log('Electron is not installed here; starting LabForge in your browser instead (labforge serve).'),
    spawn(process.execPath, ['bin/labforge.mjs', 'serve', ...args], { stdio: 'inherit' }));
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code) => process.exit(code ?? 0));
