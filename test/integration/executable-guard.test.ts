// The renderer cannot choose an executable (issue #14, item 3): over a window's transport, the
// `python`/`existingPython` parameters accept only interpreters the core found or the user picked
// in the desktop app's dialog; the CLI (in-memory transport) may name any. Nothing is run first.
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../../electron/shared/client.js';
import { createCore, type Core } from '../../electron/core/create-core.js';
import { createMemoryPair } from '../../electron/core/rpc/memory-transport.js';
import type { TransportKind } from '../../electron/core/rpc/router.js';
import { tempDir } from '../helpers/temp-dir.js';

const dir = tempDir();
const marker = path.join(dir.path, 'ran');
// A "python" that would prove it ran by leaving a file behind.
const evil = path.join(dir.path, 'evil-python');
writeFileSync(evil, `#!/bin/sh\ntouch ${marker}\n`);
chmodSync(evil, 0o755);

let core: Core;
const clients: { api: ApiClient; close(): void }[] = [];
function client(transport: TransportKind, c: Core = core): ApiClient {
  const pair = createMemoryPair();
  const conn = c.router.connect(pair.server, transport);
  const api = new ApiClient(pair.client);
  clients.push({ api, close: () => (api.dispose(), conn.dispose(), pair.close()) });
  return api;
}

beforeAll(async () => {
  core = await createCore({ dataDir: path.join(dir.path, 'data'), gpuLockFile: null });
});
afterAll(async () => {
  clients.forEach((c) => c.close());
  await core.dispose();
  dir.remove();
});

describe('executables named by a window', () => {
  it.each([
    ['python.setup', { python: evil }],
    ['python.setup', { existingPython: evil }],
    ['python.setup', { python: `${process.execPath} -e 1` }],
    ['export.gguf', { checkpoint: path.join(dir.path, 'ckpt'), python: evil }],
    ['training.start', { data: dir.path, baseModel: dir.path, python: evil }],
  ] as const)('%s with %j is refused over IPC and the WebSocket, and nothing runs', async (method, params) => {
    for (const t of ['ipc', 'websocket'] as const) {
      await expect(client(t).call(method as 'python.setup', params as never)).rejects.toMatchObject({
        code: 'FORBIDDEN',
        message: expect.stringContaining('will not run'),
      });
    }
    expect(existsSync(marker)).toBe(false);
  });

  it('the generic jobs.start is guarded the same way', async () => {
    await expect(
      client('websocket').call('jobs.start', { kind: 'python.setup', params: { existingPython: evil } }),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('an interpreter LabForge found itself is accepted from a window', async () => {
    const found = (await core.python.trustedInterpreters())[0];
    expect(found).toBeTruthy();
    const job = await client('websocket').call('python.setup', { existingPython: found! });
    expect(job.kind).toBe('python.setup');
    await core.jobs.waitFor(job.id).catch(() => undefined);
  });

  it('the CLI (the user at a terminal) may name any interpreter', async () => {
    const job = await client('memory').call('python.setup', { existingPython: evil });
    await core.jobs.waitFor(job.id).catch(() => undefined);
    expect(existsSync(marker)).toBe(true); // it was really started, for the CLI
  });

  it('picking a file needs the desktop app; a picked non-Python is refused, a picked Python trusted', async () => {
    await expect(client('websocket').call('python.pick', {})).rejects.toMatchObject({ code: 'UNSUPPORTED' });
    const picks: (string | null)[] = [evil, process.env.LABFORGE_TEST_PYTHON ?? 'python3'];
    const desktop = await createCore({
      dataDir: path.join(dir.path, 'desktop'),
      gpuLockFile: null,
      pickFile: async () => picks.shift() ?? null,
    });
    try {
      const ipc = client('ipc', desktop);
      await expect(ipc.call('python.pick', {})).rejects.toMatchObject({ code: 'PYTHON_MISSING' });
      const { picked } = await ipc.call('python.pick', {});
      expect(picked).toBeTruthy();
      expect(await desktop.python.trustedInterpreters()).toContain(picked);
      expect(await ipc.call('python.pick', {})).toEqual({ picked: null }); // dismissed
    } finally {
      await desktop.dispose();
    }
  });
});
