import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startServer, type Server } from './fixture.js';

let server: Server;

/** The HTTP status an upgrade is refused with, or 101 when it is accepted. */
function upgradeStatus(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => {
      ws.close();
      resolve(101);
    });
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('error', (err) => reject(err));
  });
}

describe('the headless server guards', () => {
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  it('answers 401 to a page opened without the token', async () => {
    const res = await fetch(`${server.origin}/`, { redirect: 'manual' });
    expect(res.status).toBe(401);
    expect(await res.text()).toMatch(/token/);
  });

  it('accepts the WebSocket from its own origin and refuses a foreign Origin with 403', async () => {
    const wsUrl = `${server.origin.replace('http', 'ws')}/ws?token=${server.token}`;
    expect(await upgradeStatus(wsUrl, { origin: server.origin })).toBe(101);
    expect(await upgradeStatus(wsUrl, { origin: 'http://evil.example' })).toBe(403);
  });

  it('refuses a WebSocket without the token', async () => {
    const wsUrl = `${server.origin.replace('http', 'ws')}/ws`;
    expect(await upgradeStatus(wsUrl, { origin: server.origin })).toBe(401);
  });
});
