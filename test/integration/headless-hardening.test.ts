// Input that used to end `labforge serve` before authentication (issue #14, item 1): it must be
// answered with 400 and the server must keep serving.
import { mkdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../electron/core/create-core.js';
import { HeadlessServer } from '../../electron/core/headless/headless-server.js';
import { tempDir } from '../helpers/temp-dir.js';

/** Sends raw bytes and resolves with the status code of the first response line (0: closed without one). */
function raw(port: number, text: string): Promise<{ status: number; head: string }> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1', () => sock.write(text));
    let buf = '';
    sock.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      if (buf.includes('\r\n\r\n')) sock.destroy();
    });
    sock.on('close', () => resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(buf)?.[1] ?? 0), head: buf }));
    sock.on('error', reject);
  });
}

describe('labforge serve survives malformed requests', () => {
  const dir = tempDir();
  let core: Core;
  let server: HeadlessServer;
  const logged: string[] = [];
  let host: string;

  beforeAll(async () => {
    const staticDir = path.join(dir.path, 'renderer');
    mkdirSync(staticDir, { recursive: true });
    writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html><div id="root"></div>');
    core = await createCore({ dataDir: path.join(dir.path, 'data') });
    server = await HeadlessServer.start({ router: core.router, staticDir, port: 0, log: (l) => logged.push(l) });
    host = `127.0.0.1:${server.port}`;
  });
  afterAll(async () => {
    await server.close();
    await core.dispose();
    dir.remove();
  });

  const alive = async (): Promise<void> => {
    const r = await raw(
      server.port,
      `GET /?token=${server.token} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
    );
    expect(r.status).toBe(302);
  };

  it.each(['//', '//x:y', '//[', '/%E0'])(
    'answers 400 (or 401 before auth) to the target %s and keeps serving',
    async (target) => {
      const r = await raw(server.port, `GET ${target} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
      expect([400, 401]).toContain(r.status);
      if (target.startsWith('//')) expect(r.status).toBe(400);
      await alive();
    },
  );

  it('answers 400 to a WebSocket upgrade on a malformed target and keeps serving', async () => {
    const r = await raw(
      server.port,
      `GET // HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
    expect(r.status).toBe(400);
    await alive();
  });

  it('answers 400 to an undecodable token cookie, on both paths, and keeps serving', async () => {
    const cookie = `labforge_token_${server.port}=%E0`;
    const page = await raw(
      server.port,
      `GET / HTTP/1.1\r\nHost: ${host}\r\nCookie: ${cookie}\r\nConnection: close\r\n\r\n`,
    );
    expect(page.status).toBe(400);
    const ws = await raw(
      server.port,
      `GET /ws HTTP/1.1\r\nHost: ${host}\r\nCookie: ${cookie}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
    expect(ws.status).toBe(400);
    await alive();
  });

  it('answers 400 to a request line that is not HTTP', async () => {
    const r = await raw(server.port, 'HELLO\r\n\r\n');
    expect(r.status).toBe(400);
    await alive();
  });

  it('names the token cookie per port and gives it a Max-Age', async () => {
    const r = await raw(
      server.port,
      `GET /?token=${server.token} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
    );
    const setCookie = /set-cookie: ([^\r\n]+)/i.exec(r.head)?.[1] ?? '';
    expect(setCookie).toMatch(new RegExp(`^labforge_token_${server.port}=`));
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/Max-Age=\d+/);
    const page = await raw(
      server.port,
      `GET / HTTP/1.1\r\nHost: ${host}\r\nCookie: ${setCookie.split(';')[0]}\r\nConnection: close\r\n\r\n`,
    );
    expect(page.status).toBe(200);
  });

  it('logged nothing for malformed input (it is not a server failure)', () => {
    expect(logged).toEqual([]);
  });
});

describe('--allow-remote with --public-host', () => {
  it('accepts the Host names the user named, and no others', async () => {
    const dir = tempDir();
    const staticDir = path.join(dir.path, 'renderer');
    mkdirSync(staticDir, { recursive: true });
    writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html><div id="root"></div>');
    const core = await createCore({ dataDir: path.join(dir.path, 'data'), gpuLockFile: null });
    const server = await HeadlessServer.start({
      router: core.router,
      staticDir,
      port: 0,
      allowRemote: true,
      publicHosts: ['gpu-box.lan'],
    });
    try {
      const get = (host: string): Promise<{ status: number }> =>
        raw(server.port, `GET /?token=${server.token} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
      expect((await get(`gpu-box.lan:${server.port}`)).status).toBe(302);
      expect((await get(`127.0.0.1:${server.port}`)).status).toBe(302);
      expect((await get(`evil.example:${server.port}`)).status).toBe(403);
      await expect(
        HeadlessServer.start({ router: core.router, staticDir, port: 0, publicHosts: ['gpu-box.lan'] }),
      ).rejects.toMatchObject({ code: 'INVALID_REQUEST' });
    } finally {
      await server.close();
      await core.dispose();
      dir.remove();
    }
  });
});
