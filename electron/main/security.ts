import type { BrowserWindowConstructorOptions, Session, WebContents } from 'electron';
import { externalUrlAllowed } from '../shared/external-url.js';

/** The one door to the user's browser (shared with the renderer, which shows other links as text). */
export { externalUrlAllowed };

/**
 * The desktop shell's security rules in one place, so each is unit-tested against a fake of the
 * `electron` API (electron/main/security.test.ts) and checked by Electronegativity in CI. They follow
 * Electron's security checklist: isolated, sandboxed renderers without Node, our own scheme instead
 * of file://, a CSP, no permissions, no navigation or new windows, no webviews, and external links
 * opened in the user's browser only when they are plain http(s).
 */

/** The renderer's scheme and origin (`protocol.handle`, see app-protocol.ts). */
export const APP_SCHEME = 'labforge';
export const APP_ORIGIN = `${APP_SCHEME}://app`;

/** Same policy as the browser UI's header (electron/core/headless) and the `<meta>` in index.html. */
export const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";

/**
 * Creates the main window with the checklist's settings. The options are written out here, in the
 * constructor call, so a reviewer (and Electronegativity's static checks) sees them where they apply.
 */
export function createMainWindow<W>(
  BrowserWindowCtor: new (options: BrowserWindowConstructorOptions) => W,
  preload: string,
  bounds: Pick<BrowserWindowConstructorOptions, 'x' | 'y' | 'width' | 'height'>,
): W {
  return new BrowserWindowCtor({
    ...bounds,
    minWidth: 800,
    minHeight: 560,
    show: false,
    title: 'LabForge',
    backgroundColor: '#1a1b1e',
    webPreferences: {
      preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      disableBlinkFeatures: 'Auxclick',
      spellcheck: false,
    },
  });
}

/**
 * Whether a URL is our own page: same origin as the dev server in `electron-vite dev`, else our
 * scheme's origin. Origins are compared whole (`http://localhost:5173.evil.example` is not
 * `http://localhost:5173`).
 */
export function isTrustedUrl(url: string, devServerUrl: string | undefined): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (devServerUrl) {
    try {
      return u.origin === new URL(devServerUrl).origin;
    } catch {
      return false;
    }
  }
  return u.protocol === `${APP_SCHEME}:` && u.host === 'app';
}

/** Deny every permission (camera, notifications, geolocation ...) and add the CSP to every response. */
export function guardSession(session: Session): void {
  session.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP] } });
  });
}

/**
 * No navigation away from our page, no new windows (a link with target=_blank the user clicked goes
 * to their browser, if it is http(s)), no webviews.
 */
export function guardContents(
  contents: WebContents,
  trusted: (url: string) => boolean,
  openExternal: (url: string) => void,
): void {
  contents.setWindowOpenHandler(({ url }) => {
    if (externalUrlAllowed(url)) openExternal(url);
    return { action: 'deny' };
  });
  contents.on('will-navigate', (event, url) => {
    if (!trusted(url)) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!trusted(url)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
}
