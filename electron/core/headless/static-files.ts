import { createReadStream, promises as fs } from 'node:fs';
import type { ServerResponse } from 'node:http';
import path from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
};

/**
 * Serves a file of the built renderer. Paths are resolved inside `root` only; unknown paths get
 * index.html so client-side routes survive a reload.
 */
export async function serveStatic(
  root: string,
  urlPath: string,
  res: ServerResponse,
  headers: Record<string, string>,
): Promise<void> {
  let rel: string;
  try {
    rel = decodeURIComponent(urlPath);
  } catch {
    res.writeHead(400).end('Bad path');
    return;
  }
  let file = path.resolve(root, `.${path.posix.normalize(`/${rel}`)}`);
  if (file !== root && !file.startsWith(root + path.sep)) {
    res.writeHead(403).end('Forbidden');
    return;
  }
  let stat = await fs.stat(file).catch(() => null);
  if (!stat?.isFile()) {
    file = path.join(root, 'index.html');
    stat = await fs.stat(file).catch(() => null);
    if (!stat?.isFile()) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end('The renderer is not built. Run `npm run build` first.');
      return;
    }
  }
  const ext = path.extname(file);
  res.writeHead(200, {
    ...headers,
    'content-type': TYPES[ext] ?? 'application/octet-stream',
    'content-length': String(stat.size),
    'cache-control': ext === '.html' ? 'no-store' : 'public, max-age=31536000, immutable',
  });
  // A file that vanished or cannot be read mid-stream ends this response, never the process.
  const stream = createReadStream(file);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}
