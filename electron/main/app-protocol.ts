import { net, protocol } from 'electron';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { APP_SCHEME } from './security.js';

/**
 * The renderer is served from `labforge://app/…` (`protocol.handle`) rather than file://, so the
 * page has a real origin of its own (the CSP's 'self', storage, no access to other local files)
 * and every request it makes for a file passes through `resolveAppFile`.
 */

/** Must run before the app is ready. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
  ]);
}

/**
 * The file under `root` a request path names, or index.html for client-side routes; null when
 * the path leaves `root` (`..`, encoded or not) or cannot be decoded.
 */
export function resolveAppFile(root: string, urlPath: string, isFile = defaultIsFile): string | null {
  let rel: string;
  try {
    rel = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (rel.includes('\0')) return null;
  const file = path.resolve(root, `.${path.posix.normalize(`/${rel}`)}`);
  if (file !== root && !file.startsWith(root + path.sep)) return null;
  return isFile(file) ? file : path.join(root, 'index.html');
}

function defaultIsFile(file: string): boolean {
  return existsSync(file) && statSync(file).isFile();
}

/** Serves `root` (the built renderer) on the app scheme. */
export function handleAppScheme(root: string): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url);
    if (url.host !== 'app') return new Response('Not found', { status: 404 });
    const file = resolveAppFile(root, url.pathname);
    if (!file) return new Response('Forbidden', { status: 403 });
    return net.fetch(pathToFileURL(file).toString());
  });
}
