// The desktop shell's configuration, checked against a small fake of the `electron` API (the real
// binary cannot be installed here): window options, session guards, navigation and window-open
// handlers, the IPC sender check, the app scheme's file resolution and the CSP.
import { EventEmitter } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';

const ipcMain = new EventEmitter();
vi.mock('electron', () => ({ ipcMain, net: { fetch: vi.fn() }, protocol: { handle: vi.fn() } }));

const { resolveAppFile } = await import('./app-protocol.js');
const { mountIpc } = await import('./ipc-transport.js');
const security = await import('./security.js');
const { APP_ORIGIN, CSP, createMainWindow, externalUrlAllowed, guardContents, guardSession, isTrustedUrl } = security;

class FakeWindow {
  constructor(readonly options: Electron.BrowserWindowConstructorOptions) {}
}

class FakeContents extends EventEmitter {
  windowOpen: ((d: { url: string }) => { action: string }) | null = null;
  mainFrame = { url: `${APP_ORIGIN}/index.html` };
  sent: unknown[] = [];
  setWindowOpenHandler(h: (d: { url: string }) => { action: string }): void {
    this.windowOpen = h;
  }
  isDestroyed(): boolean {
    return false;
  }
  send(_channel: string, m: unknown): void {
    this.sent.push(m);
  }
}

const event = (): { prevented: boolean; preventDefault(): void } => ({
  prevented: false,
  preventDefault() {
    this.prevented = true;
  },
});

describe('the main window', () => {
  it('is isolated, sandboxed, without Node, webviews or insecure content', () => {
    const w = createMainWindow(FakeWindow, '/app/preload/index.cjs', { width: 1000, height: 700 });
    expect(w.options.webPreferences).toMatchObject({
      preload: '/app/preload/index.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
    });
    expect(w.options.webPreferences?.disableBlinkFeatures).toContain('Auxclick');
    expect(w.options).toMatchObject({ width: 1000, height: 700, show: false });
  });
});

describe('trusted pages', () => {
  it('trusts our scheme, not file:// or look-alikes', () => {
    expect(isTrustedUrl(`${APP_ORIGIN}/index.html`, undefined)).toBe(true);
    expect(isTrustedUrl(`${APP_ORIGIN}/runs/abc`, undefined)).toBe(true);
    expect(isTrustedUrl('file:///app/out/renderer/index.html', undefined)).toBe(false);
    expect(isTrustedUrl('labforge://evil/index.html', undefined)).toBe(false);
    expect(isTrustedUrl('https://example.com/', undefined)).toBe(false);
    expect(isTrustedUrl('not a url', undefined)).toBe(false);
  });

  it('in dev, compares origins, not string prefixes', () => {
    const dev = 'http://localhost:5173';
    expect(isTrustedUrl('http://localhost:5173/runs', dev)).toBe(true);
    expect(isTrustedUrl('http://localhost:5173.evil.example/', dev)).toBe(false);
    expect(isTrustedUrl('http://localhost:51730/', dev)).toBe(false);
    expect(isTrustedUrl(`${APP_ORIGIN}/index.html`, dev)).toBe(false);
  });

  it('opens only plain http(s) links in the browser', () => {
    expect(externalUrlAllowed('https://github.com/instructlab/taxonomy')).toBe(true);
    expect(externalUrlAllowed('http://127.0.0.1:8000/docs')).toBe(true);
    for (const bad of [
      'javascript:alert(1)',
      'file:///etc/passwd',
      'labforge://app/x',
      'smb://host/share',
      'https://u:p@x.example',
      '',
    ]) {
      expect(externalUrlAllowed(bad)).toBe(false);
    }
  });
});

describe('session and contents guards', () => {
  it('denies every permission and adds the CSP to every response', () => {
    let request: ((wc: unknown, p: string, cb: (ok: boolean) => void) => void) | null = null;
    let check: (() => boolean) | null = null;
    let headers: ((d: { responseHeaders: Record<string, string[]> }, cb: (r: unknown) => void) => void) | null = null;
    const session = {
      setPermissionRequestHandler: (h: typeof request) => (request = h),
      setPermissionCheckHandler: (h: typeof check) => (check = h),
      webRequest: { onHeadersReceived: (h: typeof headers) => (headers = h) },
    };
    guardSession(session as unknown as Electron.Session);
    for (const p of ['media', 'geolocation', 'notifications', 'openExternal']) {
      const cb = vi.fn();
      request!(null, p, cb);
      expect(cb).toHaveBeenCalledWith(false);
    }
    expect(check!()).toBe(false);
    const cb = vi.fn();
    headers!({ responseHeaders: { 'x-a': ['1'] } }, cb);
    expect(cb).toHaveBeenCalledWith({ responseHeaders: { 'x-a': ['1'], 'Content-Security-Policy': [CSP] } });
  });

  it('blocks navigation away, new windows and webviews; hands http(s) links to the browser', () => {
    const wc = new FakeContents();
    const opened: string[] = [];
    guardContents(
      wc as unknown as Electron.WebContents,
      (u) => isTrustedUrl(u, undefined),
      (u) => opened.push(u),
    );
    expect(wc.windowOpen!({ url: 'https://example.com/a' })).toEqual({ action: 'deny' });
    expect(wc.windowOpen!({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
    expect(opened).toEqual(['https://example.com/a']);
    for (const name of ['will-navigate', 'will-redirect']) {
      const away = event();
      wc.emit(name, away, 'https://evil.example/');
      expect(away.prevented).toBe(true);
      const home = event();
      wc.emit(name, home, `${APP_ORIGIN}/index.html`);
      expect(home.prevented).toBe(false);
    }
    const webview = event();
    wc.emit('will-attach-webview', webview);
    expect(webview.prevented).toBe(true);
  });
});

describe('IPC sender check', () => {
  it('accepts messages only from the window main frame showing our page', () => {
    const wc = new FakeContents();
    const received: unknown[] = [];
    const router = {
      connect: (t: { onMessage(l: (m: unknown) => void): void }) => {
        t.onMessage((m) => received.push(m));
        return { dispose: () => undefined };
      },
    };
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    mountIpc(router, wc as unknown as Electron.WebContents, (u) => isTrustedUrl(u, undefined));
    const from = (sender: unknown, frame: unknown, msg: unknown): boolean =>
      ipcMain.emit('labforge:message', { sender, senderFrame: frame }, msg);
    from(wc, wc.mainFrame, { t: 'ok' });
    from(new FakeContents(), { url: `${APP_ORIGIN}/index.html` }, { t: 'other window' });
    from(wc, { url: `${APP_ORIGIN}/index.html` }, { t: 'subframe' });
    wc.mainFrame.url = 'https://evil.example/';
    from(wc, wc.mainFrame, { t: 'navigated away' });
    expect(received).toEqual([{ t: 'ok' }]);
    warn.mockRestore();
  });
});

describe('the app scheme', () => {
  const root = path.resolve('/srv/app/renderer');
  const isFile = (f: string): boolean => f.endsWith('.js') || f.endsWith('index.html');
  it('serves files inside the renderer folder, index.html for client routes', () => {
    expect(resolveAppFile(root, '/assets/app.js', isFile)).toBe(path.join(root, 'assets/app.js'));
    expect(resolveAppFile(root, '/runs/123', isFile)).toBe(path.join(root, 'index.html'));
  });
  it('never leaves the renderer folder', () => {
    for (const p of ['/../secret.js', '/..%2F..%2Fetc%2Fpasswd.js', '/%2e%2e/x.js']) {
      const f = resolveAppFile(root, p, isFile);
      expect(f === null || f.startsWith(root + path.sep)).toBe(true);
    }
    expect(resolveAppFile(root, '/%E0', isFile)).toBeNull();
    expect(resolveAppFile(root, '/a%00.js', isFile)).toBeNull();
  });
});

describe('the CSP', () => {
  it('allows only our own scripts, no eval, no plugins, no framing', () => {
    expect(CSP).toContain("script-src 'self'");
    const scriptSrc = CSP.split(';').find((d) => d.trim().startsWith('script-src'));
    expect(scriptSrc?.trim()).toBe("script-src 'self'");
    expect(CSP).not.toContain('unsafe-eval');
    expect(CSP).not.toContain('*');
    expect(CSP).toContain("object-src 'none'");
    expect(CSP).toContain("frame-ancestors 'none'");
  });
  it('is in the built page as a <meta> too', () => {
    const built = path.resolve(import.meta.dirname, '../../out/renderer/index.html');
    expect(existsSync(built), 'run `npm run build` first').toBe(true);
    const html = readFileSync(built, 'utf8');
    expect(html).toContain('<meta http-equiv="Content-Security-Policy"');
    expect(html).toContain("script-src 'self'");
  });
});
