import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/helpers/temp-dir.js';
import { BLOCK_BYTES, BlockPool, ChunkedDecoder, rangeGet, type RangeResponse } from './range-get.js';

const servers: (http.Server | net.Server)[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function listen<S extends http.Server | net.Server>(server: S): Promise<string> {
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return String((server.address() as net.AddressInfo).port);
}

/** Reads a whole body, giving each block back after `holdMs` (a slow disk), and checks the pool is whole at the end. */
async function readAll(res: RangeResponse, pool: BlockPool, holdMs = 0): Promise<Buffer> {
  const parts: Buffer[] = [];
  await res.body((block, n) => {
    parts.push(Buffer.from(block.subarray(0, n)));
    if (holdMs) setTimeout(() => pool.give(block), holdMs);
    else pool.give(block);
  });
  await new Promise((r) => setTimeout(r, holdMs + 5));
  return Buffer.concat(parts);
}

const opts = (pool: BlockPool, extra: Partial<Parameters<typeof rangeGet>[1]> = {}) => ({
  headers: {},
  signal: new AbortController().signal,
  idleTimeoutMs: 5000,
  pool,
  ...extra,
});

describe('rangeGet', () => {
  const data = randomBytes(5 * BLOCK_BYTES + 12345);

  it('reads a Content-Length body into the pool, pausing while no block is free, and sends the headers', async () => {
    let seen: http.IncomingHttpHeaders = {};
    const port = await listen(
      http.createServer((req, res) => {
        seen = req.headers;
        res.writeHead(206, { 'content-length': data.length, 'content-range': `bytes 0-${data.length - 1}/*` });
        res.end(data);
      }),
    );
    const pool = new BlockPool(2);
    const res = await rangeGet(`http://127.0.0.1:${port}/f?sig=1`, opts(pool, { headers: { range: 'bytes=0-' } }));
    expect(res.statusCode).toBe(206);
    expect(res.headers['content-range']).toBe(`bytes 0-${data.length - 1}/*`);
    expect((await readAll(res, pool, 20)).equals(data)).toBe(true);
    expect(seen).toMatchObject({ range: 'bytes=0-', connection: 'close', 'accept-encoding': 'identity' });
  });

  it('hands a block on at each boundary, so the receiver can stop right there', async () => {
    const port = await listen(
      http.createServer((_req, res) => {
        res.writeHead(206, { 'content-length': data.length });
        res.write(data.subarray(0, 100), () => setTimeout(() => res.end(data.subarray(100)), 30)); // the head comes alone
      }),
    );
    const pool = new BlockPool(3);
    const cuts = [300_000, 300_001, 2 * BLOCK_BYTES + 5];
    const res = await rangeGet(`http://127.0.0.1:${port}/`, opts(pool, { boundaries: [...cuts] }));
    const ends: number[] = [];
    let at = 0;
    await res.body((block, n) => {
      expect(block.subarray(0, n).equals(data.subarray(at, at + n))).toBe(true);
      at += n;
      ends.push(at);
      pool.give(block);
    });
    expect(at).toBe(data.length);
    for (const c of cuts) expect(ends).toContain(c);
  });

  it('decodes a chunked body, and its decoder survives every split of the input', async () => {
    const port = await listen(
      http.createServer((_req, res) => {
        res.writeHead(200); // no Content-Length: node:http sends chunks
        let at = 0;
        const more = (): void => {
          if (at >= data.length) return void res.end();
          const k = 1 + Math.floor(Math.random() * 300_000);
          res.write(data.subarray(at, at + k), more);
          at += k;
        };
        more();
      }),
    );
    const pool = new BlockPool(3);
    const res = await rangeGet(`http://127.0.0.1:${port}/`, opts(pool));
    expect((await readAll(res, pool)).equals(data)).toBe(true);

    const wire = Buffer.from('3;ext=1\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\nX-Trailer: 1\r\n\r\nignored');
    for (let cut = 0; cut <= wire.length; cut++) {
      const buf = Buffer.from(wire);
      const d = new ChunkedDecoder();
      const a = d.decode(buf, 0, cut);
      const out = Buffer.from(buf.subarray(0, a.end));
      const b = d.decode(buf, cut, buf.length);
      expect(Buffer.concat([out, buf.subarray(cut, b.end)]).toString()).toBe('abc0123456789abcdef');
      expect(b.done).toBe(true);
    }
    expect(() => new ChunkedDecoder().decode(Buffer.from('zz\r\n'), 0, 4)).toThrow(/chunk size/);
  });

  it('reads a body that ends with the connection, skips a 100 Continue, and returns redirects unread', async () => {
    const raw = await listen(
      net.createServer((c) => {
        c.once('data', () =>
          c.end(Buffer.concat([Buffer.from('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.0 200 OK\r\n\r\n'), data])),
        );
      }),
    );
    const pool = new BlockPool(2);
    const res = await rangeGet(`http://127.0.0.1:${raw}/`, opts(pool));
    expect(res.statusCode).toBe(200);
    expect((await readAll(res, pool)).equals(data)).toBe(true);

    const port = await listen(
      http.createServer((_req, res) => res.writeHead(302, { location: 'http://cdn.example/x' }).end('moved')),
    );
    const moved = await rangeGet(`http://127.0.0.1:${port}/`, opts(pool));
    expect(moved).toMatchObject({ statusCode: 302, headers: { location: 'http://cdn.example/x' } });
    moved.destroy();
    expect(pool.free).toBe(2); // the redirect's body went back to the pool unread
  });

  it('hands on what arrived before a connection cut mid-body, then fails with a reason', async () => {
    const pool = new BlockPool(2);
    const cut = await listen(
      http.createServer((_req, res) => {
        res.writeHead(206, { 'content-length': data.length });
        res.write(data.subarray(0, 100_000), () => res.destroy());
      }),
    );
    let got = 0;
    const res = await rangeGet(`http://127.0.0.1:${cut}/`, opts(pool));
    await expect(
      res.body((b, n) => {
        got += n;
        pool.give(b);
      }),
    ).rejects.toMatchObject({ code: 'DISCONNECTED', message: /closed before the end/ });
    expect(got).toBe(100_000); // what arrived is handed on before the error
  });

  it(
    'fails with a reason, never a crash: a stall, a malformed answer, an abort, nobody there',
    { timeout: 10_000 },
    async () => {
      const pool = new BlockPool(2);

      const stall = await listen(
        http.createServer((_req, res) => {
          res.writeHead(206, { 'content-length': 10 });
          res.write('abc');
        }),
      );
      const slow = await rangeGet(`http://127.0.0.1:${stall}/`, opts(pool, { idleTimeoutMs: 300 }));
      await expect(slow.body((b) => pool.give(b))).rejects.toMatchObject({
        code: 'DISCONNECTED',
        details: { stalled: true },
      });

      const junk = await listen(net.createServer((c) => c.once('data', () => c.end('SSH-2.0-OpenSSH\r\n\r\n'))));
      await expect(rangeGet(`http://127.0.0.1:${junk}/`, opts(pool))).rejects.toMatchObject({
        code: 'DISCONNECTED',
        message: /Not an HTTP\/1.1 answer/,
      });
      // Malformed in the first read (the request fails) or later (the body fails).
      const badChunk = await listen(
        net.createServer((c) =>
          c.once('data', () => {
            c.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabcde\r\n');
            setTimeout(() => c.end('nope\r\n'), 50);
          }),
        ),
      );
      const bad = await rangeGet(`http://127.0.0.1:${badChunk}/`, opts(pool));
      await expect(bad.body((b) => pool.give(b))).rejects.toMatchObject({ message: /chunked answer is malformed/ });
      const badAtOnce = await listen(
        net.createServer((c) =>
          c.once('data', () => c.end('HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\nzz\r\n')),
        ),
      );
      await expect(rangeGet(`http://127.0.0.1:${badAtOnce}/`, opts(pool))).rejects.toMatchObject({
        message: /Transfer-Encoding/,
      });
      const gzip = await listen(
        http.createServer((_req, res) => res.writeHead(200, { 'content-encoding': 'gzip' }).end('x')),
      );
      await expect(rangeGet(`http://127.0.0.1:${gzip}/`, opts(pool))).rejects.toMatchObject({
        message: /compressed \(Content-Encoding: gzip\)/,
        details: { retryable: false },
      });

      const ac = new AbortController();
      const hang = await listen(http.createServer(() => undefined));
      const pending = rangeGet(`http://127.0.0.1:${hang}/`, opts(pool, { signal: ac.signal }));
      ac.abort(new Error('paused by the user'));
      await expect(pending).rejects.toThrow('paused by the user');

      const closed = await listen(net.createServer((c) => c.destroy()));
      await expect(rangeGet(`http://127.0.0.1:${closed}/`, opts(pool))).rejects.toMatchObject({
        code: 'DISCONNECTED',
      });
      await expect(rangeGet('http://127.0.0.1:1/', opts(pool))).rejects.toMatchObject({
        details: { unreachable: true },
      });
      await expect(rangeGet('http://127.0.0.1:1/', opts(pool, { headers: { x: 'a\r\nb' } }))).rejects.toMatchObject({
        code: 'INVALID_REQUEST',
      });
    },
  );

  describe('over TLS', () => {
    const tmp = tempDir();
    afterAll(() => tmp.remove());

    it('reads the decrypted body into the pool', async () => {
      const key = path.join(tmp.path, 'key.pem');
      const cert = path.join(tmp.path, 'cert.pem');
      execFileSync('openssl', [
        'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
        '-addext', 'subjectAltName=DNS:localhost', '-keyout', key, '-out', cert,
      ], { stdio: 'ignore' }); // prettier-ignore
      const port = await listen(
        https.createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (_req, res) => {
          res.writeHead(206, { 'content-length': data.length });
          res.end(data);
        }),
      );
      const pool = new BlockPool(2);
      const res = await rangeGet(`https://localhost:${port}/f`, opts(pool, { ca: readFileSync(cert, 'utf8') }));
      expect(res.statusCode).toBe(206);
      expect((await readAll(res, pool, 5)).equals(data)).toBe(true);
      // Not trusted without its certificate: a clear error.
      await expect(rangeGet(`https://localhost:${port}/f`, opts(pool))).rejects.toMatchObject({
        code: 'DISCONNECTED',
      });
    });
  });
});
