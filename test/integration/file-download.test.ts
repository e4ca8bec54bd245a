import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downloadFile } from '../../electron/core/models/file-download.js';
import { HubClient } from '../../electron/core/models/hub-client.js';
import { randomBytesOf, startFakeHub, type FakeHub } from '../helpers/fake-hub-server.js';
import { tempDir } from '../helpers/temp-dir.js';

/** downloadFile on its own: how many connections it opens, against the loopback fake hub. */
describe('downloadFile connections', () => {
  const tmp = tempDir('labforge-file-dl-');
  const fast = randomBytesOf(24 << 20, 3);
  const slow = randomBytesOf(3 << 20, 4);
  let hub: FakeHub;
  beforeAll(async () => {
    hub = await startFakeHub({
      'o/fast': { files: { 'fast.gguf': { data: fast } } },
      'o/slow': { files: { 'slow.gguf': { data: slow, faults: { bytesPerSecond: 1 << 20 } } } },
    });
  });
  afterAll(async () => {
    await hub.close();
    tmp.remove();
  });

  let calls = 0;
  const get = async (repo: string, file: string, opts: { fastBytesPerSecond?: number } = {}) => {
    const meta = await new HubClient({ endpoint: hub.endpoint, token: null, timeoutMs: 3000 }).fileMeta(
      repo,
      'main',
      file,
    );
    const logs: string[] = [];
    const r = await downloadFile({
      url: meta.url,
      headers: {},
      dest: path.join(tmp.path, `${++calls}-${file}`),
      size: meta.size,
      etag: meta.etag,
      sha256: meta.sha256,
      signal: new AbortController().signal,
      connections: 4,
      minSegmentBytes: 256 << 10,
      probeMs: 300,
      onBytes: () => undefined,
      log: (m) => logs.push(m),
      ...opts,
    });
    return { r, logs };
  };
  const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

  it('stays on one connection while it is fast, in file order (every block hashed from memory)', async () => {
    const { r, logs } = await get('o/fast', 'fast.gguf');
    expect(r.connections).toBe(1);
    expect(r.sha256).toBe(sha(fast));
    expect(readFileSync(r.part).equals(fast)).toBe(true);
    expect(logs).toEqual([]);
  });

  it('opens the others when one connection is slow, and all at once when told to', async () => {
    const { r, logs } = await get('o/slow', 'slow.gguf');
    expect(r.connections).toBe(4);
    expect(r.sha256).toBe(sha(slow));
    expect(logs.join('\n')).toMatch(/MiB\/s on one connection, opening 3 more/);
    const at = await get('o/fast', 'fast.gguf', { fastBytesPerSecond: 0 });
    expect(at.r.connections).toBe(4);
    expect(at.r.sha256).toBe(sha(fast));
  });
});
