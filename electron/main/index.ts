import { app, BrowserWindow, Menu, dialog, session, shell } from 'electron';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCore, type Core } from '../core/create-core.js';
import { pickSqliteBinding } from '../core/store/sqlite-binding.js';
import { defaultDataDir } from '../core/util/data-dir.js';
import { mountIpc } from './ipc-transport.js';
import { WindowStateStore } from './window-state.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const rendererUrl = process.env.ELECTRON_RENDERER_URL; // set by electron-vite in dev
const rendererFile = path.join(here, '../renderer/index.html');

const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

function isTrustedUrl(url: string): boolean {
  if (rendererUrl) return url.startsWith(rendererUrl);
  try {
    return new URL(url).protocol === 'file:' && fileURLToPath(url) === rendererFile;
  } catch {
    return false;
  }
}

let core: Core | null = null;
let win: BrowserWindow | null = null;

async function createWindow(c: Core): Promise<void> {
  const states = new WindowStateStore(c.dataDir);
  const state = states.load();
  win = new BrowserWindow({
    ...state,
    minWidth: 800,
    minHeight: 560,
    show: false,
    title: 'LabForge',
    backgroundColor: '#1a1b1e',
    webPreferences: {
      preload: path.join(here, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  });
  if (state.maximized) win.maximize();
  const w = win;
  mountIpc(c.router, w.webContents, isTrustedUrl);
  w.webContents.setWindowOpenHandler(({ url }) => {
    if (/^https?:\/\//.test(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  w.webContents.on('will-navigate', (e, url) => {
    if (!isTrustedUrl(url)) e.preventDefault();
  });
  w.webContents.on('will-attach-webview', (e) => e.preventDefault());
  w.once('ready-to-show', () => w.show());
  w.on('close', () => {
    const b = w.getNormalBounds();
    void states.save({ ...b, maximized: w.isMaximized() }).catch(() => undefined);
  });
  w.on('closed', () => (win = null));
  if (rendererUrl) await w.loadURL(rendererUrl);
  else await w.loadFile(rendererFile);
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
  await app.whenReady();
  session.defaultSession.webRequest.onHeadersReceived((details, cb) => {
    cb({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP] } });
  });
  session.defaultSession.setPermissionRequestHandler((_wc, _perm, cb) => cb(false));
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
