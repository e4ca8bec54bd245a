import { mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createCore, type Core } from '../../electron/core/create-core.js';
import { HeadlessServer } from '../../electron/core/headless/headless-server.js';
import { tempDir } from '../helpers/temp-dir.js';

/** A raw HTTP GET with full control of the Host and Cookie headers (fetch would normalise them). */
function get(
  port: number,
  pathAndQuery: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path: pathAndQuery, headers: { host: `127.0.0.1:${port}`, ...headers } },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** Opens a WebSocket and resolves with the HTTP status of a refusal, or 101 when it opened. */
function upgrade(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers });
    ws.on('open', () => {
      ws.close();
      resolve(101);
    });
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('error', () => resolve(-1));
  });
}

describe('labforge serve (headless transport)', () => {
  const dir = tempDir();
  let core: Core;
  let server: HeadlessServer;

  beforeAll(async () => {
    const staticDir = path.join(dir.path, 'renderer');
    mkdirSync(staticDir);
    writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html><title>LabForge</title>');
    core = await createCore({ dataDir: path.join(dir.path, 'data') });
    server = await HeadlessServer.start({ router: core.router, staticDir, port: 0 });
  });
  afterAll(async () => {
    await server.close();
    await core.dispose();
    dir.remove();
  });

  it('prints a loopback URL with a long random token', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{32}$/);
  });

  it('answers 401 without the token, and with a wrong one', async () => {
    expect((await get(server.port, '/')).status).toBe(401);
    expect((await get(server.port, '/?token=wrong')).status).toBe(401);
    expect((await get(server.port, '/assets/app.js', { cookie: `labforge_token_${server.port}=nope` })).status).toBe(
      401,
    );
  });

  it('trades the token in the URL for an HttpOnly cookie and serves the page with a CSP', async () => {
    const first = await get(server.port, `/?token=${server.token}`);
    expect(first.status).toBe(302);
    expect(first.headers.location).toBe('/');
    const cookie = String(first.headers['set-cookie']).split(';')[0]!;
    expect(String(first.headers['set-cookie'])).toMatch(/HttpOnly/);
    const page = await get(server.port, '/', { cookie });
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>LabForge</title>');
    expect(String(page.headers['content-security-policy'])).toContain("default-src 'self'");
  });

  it('answers 403 to a foreign Host header (DNS rebinding)', async () => {
    const r = await get(server.port, `/?token=${server.token}`, { host: `evil.example:${server.port}` });
    expect(r.status).toBe(403);
  });

  it('does not serve files outside the renderer folder', async () => {
    writeFileSync(path.join(dir.path, 'secret.txt'), 'secret');
    const r = await get(server.port, '/..%2Fsecret.txt', { cookie: `labforge_token_${server.port}=${server.token}` });
    // Authenticated, so it reaches the file server: `..` is normalised away and the path falls back to the page.
    expect(r.status).toBe(200);
    expect(r.body).toContain('<title>LabForge</title>');
    expect(r.body).not.toContain('secret');
  });

  it('guards the WebSocket: 401 without token, 403 for a foreign Origin or Host, open otherwise', async () => {
    const base = `ws://127.0.0.1:${server.port}/ws`;
    expect(await upgrade(base)).toBe(401);
    expect(await upgrade(`${base}?token=${server.token}`, { origin: 'http://evil.example' })).toBe(403);
    expect(await upgrade(`${base}?token=${server.token}`, { host: `evil.example:${server.port}` })).toBe(403);
    expect(await upgrade(`${base}?token=${server.token}`, { origin: `http://127.0.0.1:${server.port}` })).toBe(101);
    expect(await upgrade(base, { cookie: `labforge_token_${server.port}=${server.token}` })).toBe(101);
  });

  it('serves the API over the WebSocket and survives garbage', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws?token=${server.token}`);
    await new Promise((r) => ws.once('open', r));
    const replies: Array<Record<string, unknown>> = [];
    ws.on('message', (d: Buffer) => replies.push(JSON.parse(d.toString()) as Record<string, unknown>));
    ws.send('this is not json');
    ws.send(JSON.stringify({ t: 'call', id: 1, method: 'no.such', params: {} }));
    ws.send(JSON.stringify({ t: 'call', id: 2, method: 'app.ping', params: { value: 7 } }));
    ws.send(JSON.stringify({ t: 'call', id: 3, method: 'app.ping', params: { value: 'ok' } }));
    await new Promise((r) => setTimeout(r, 200));
    ws.close();
    const byId = (id: number) =>
      replies.find((m) => m.t === 'result' && m.id === id) as {
        ok: boolean;
        error?: { code: string };
        value?: { value: string };
      };
    expect(byId(-1).error?.code).toBe('INVALID_REQUEST');
    expect(byId(1).error?.code).toBe('UNKNOWN_METHOD');
    expect(byId(2).error?.code).toBe('INVALID_REQUEST');
    expect(byId(3).value?.value).toBe('ok');
  });

  it('refuses a non-loopback host unless remote access is explicitly allowed', async () => {
    await expect(
      HeadlessServer.start({ router: core.router, staticDir: dir.path, host: '0.0.0.0', port: 0 }),
    ).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    const remote = await HeadlessServer.start({
      router: core.router,
      staticDir: dir.path,
      host: '0.0.0.0',
      port: 0,
      allowRemote: true,
    });
    await remote.close();
  });
});
