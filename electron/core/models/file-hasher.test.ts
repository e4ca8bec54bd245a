import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { prefixHasher } from './file-hasher.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'labforge-hasher-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Random content of `size` bytes, an empty file of that size being written, and its hasher. */
async function growing(name: string, size: number, workerFrom: number) {
  const data = randomBytes(size);
  const file = path.join(dir, `${name}-${workerFrom}.bin`);
  const fh = await open(file, 'w+');
  await fh.truncate(data.length);
  return { data, fh, h: prefixHasher(file, fh, data.length, workerFrom) };
}

describe.each([
  ['on this thread', Number.POSITIVE_INFINITY],
  ['on a worker thread', 0],
])('prefixHasher %s', (_name, workerFrom) => {
  it('follows a file written out of order and gives the sha256 of the whole', async () => {
    const { data, fh, h } = await growing('grow', 3 * (1 << 20) + 12_345, workerFrom);
    const cut = [0, 700_000, 1_900_000, 2_500_000, data.length];
    // the later blocks land first; the prefix only grows once the earlier ones are there
    for (let i = cut.length - 2; i >= 1; i--) await fh.write(data, cut[i], cut[i + 1]! - cut[i]!, cut[i]);
    h.advance(0);
    const first = [data.subarray(0, 300_000), data.subarray(300_000, cut[1])];
    await fh.writev(first, 0);
    h.advance(cut[1]!, { chunks: first, at: 0 }); // from memory where it can
    h.advance(cut[2]!, { chunks: [data.subarray(cut[3], cut[4])], at: cut[3]! }); // not next: read back
    for (const c of cut.slice(3)) h.advance(c);
    expect(await h.digest(data.length)).toBe(createHash('sha256').update(data).digest('hex'));
    await h.close();
    await fh.close();
  });

  it('hashes written blocks in shared memory where they are, and releases each one once', async () => {
    const { data, fh, h } = await growing('shared', 4 * (1 << 20) + 777, workerFrom);
    const released: number[] = [];
    const cut = [0, 1 << 20, 2 << 20, 3 << 20, data.length];
    // Blocks 0 and 1 come next in line from shared memory; block 2 is written out of band (another
    // connection) and block 3 after it is then not next: both are read back.
    for (const i of [0, 1, 2, 3]) {
      const [a, b] = [cut[i]!, cut[i + 1]!];
      const block = Buffer.from(new SharedArrayBuffer(b - a));
      data.copy(block, 0, a, b);
      await fh.write(block, 0, block.length, a);
      if (i === 2) {
        h.advance(a);
        continue;
      }
      h.advance(b, {
        chunks: [block],
        at: a,
        release: () => {
          released.push(i);
          block.fill(0); // reused at once: a hash that read it late would be wrong
        },
      });
    }
    h.advance(cut[3]!);
    expect(await h.digest(data.length)).toBe(createHash('sha256').update(data).digest('hex'));
    expect(released.sort()).toEqual([0, 1, 3]);
    await h.close();
    await fh.close();
  });

  it('fails clearly when the file is shorter than it should be', async () => {
    const file = path.join(dir, `short-${workerFrom}.bin`);
    const fh = await open(file, 'w+');
    await fh.write(Buffer.alloc(1000, 1), 0, 1000, 0);
    const h = prefixHasher(file, fh, 5000, workerFrom);
    await expect(h.digest(5000)).rejects.toThrow(new RegExp(`Short read of .*short-.*\\.bin at byte 1000`));
    await h.close();
    await fh.close();
  });
});
