import { app, BrowserWindow, Menu, dialog, session, shell } from 'electron';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCore, type Core } from '../core/create-core.js';
import { pickSqliteBinding } from '../core/store/sqlite-binding.js';
import { defaultDataDir } from '../core/util/data-dir.js';
import { handleAppScheme, registerAppScheme } from './app-protocol.js';
import { mountIpc } from './ipc-transport.js';
import { utilityLauncher } from './utility-launcher.js';
import { APP_ORIGIN, createMainWindow, guardContents, guardSession, isTrustedUrl } from './security.js';
import { WindowStateStore } from './window-state.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const devServerUrl = process.env.ELECTRON_RENDERER_URL; // set by electron-vite in dev
const rendererDir = path.join(here, '../renderer');
const trusted = (url: string): boolean => isTrustedUrl(url, devServerUrl);

let core: Core | null = null;
let win: BrowserWindow | null = null;

async function createWindow(c: Core): Promise<void> {
  const states = new WindowStateStore(c.dataDir);
  const state = states.load();
  win = createMainWindow(BrowserWindow, path.join(here, '../preload/index.cjs'), state);
  if (state.maximized) win.maximize();
  const w = win;
  mountIpc(c.router, w.webContents, trusted);
  guardContents(w.webContents, trusted, (url) => void shell.openExternal(url));
  w.once('ready-to-show', () => w.show());
  w.on('close', () => {
    const b = w.getNormalBounds();
    void states.save({ ...b, maximized: w.isMaximized() }).catch(() => undefined);
  });
  w.on('closed', () => (win = null));
  await w.loadURL(devServerUrl ?? `${APP_ORIGIN}/index.html`);
}

async function main(): Promise<void> {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  app.on('second-instance', () => {
    if (win) {
      if (win.isMinimized()) win.restore();
      win.focus();
    }
  });
  app.enableSandbox();
  registerAppScheme();
  await app.whenReady();
  guardSession(session.defaultSession);
  handleAppScheme(rendererDir);
  if (process.platform !== 'darwin') Menu.setApplicationMenu(null);
  try {
    const sqliteBinding = pickSqliteBinding(
      {
        electronVersion: process.versions.electron,
        packaged: app.isPackaged,
        platform: process.platform,
        arch: process.arch,
        appRoot: app.getAppPath(),
      },
      existsSync,
    );
    core = await createCore({
      dataDir: process.env.LABFORGE_DATA_DIR ?? app.getPath('userData') ?? defaultDataDir(),
      sqliteBinding,
      access: 'owner',
      what: 'LabForge desktop',
      // The RunAsNode fuse is off: Node children run as utility processes.
      launcher: utilityLauncher(),
      pickFile: async ({ title }) => {
        const r = await dialog.showOpenDialog({ title, properties: ['openFile', 'dontAddToRecent'] });
        return r.canceled ? null : (r.filePaths[0] ?? null);
      },
    });
  } catch (err) {
    const e = err as { message?: string; hint?: string };
    const line = `${e.message ?? String(err)}${e.hint ? ` ${e.hint}` : ''}`;
    process.stderr.write(`LabForge cannot start: ${line}\n`);
    dialog.showErrorBox('LabForge cannot start', line);
    app.exit(1);
    return;
  }
  await createWindow(core);
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0 && core) void createWindow(core);
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  let quitting = false;
  app.on('before-quit', (e) => {
    if (quitting || !core) return;
    e.preventDefault();
    quitting = true;
    void core.dispose().finally(() => app.quit());
  });
}

void main();
