import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/helpers/temp-dir.js';
import { zipSync } from './zip.js';

const dir = tempDir();
afterAll(() => dir.remove());

// Python's zipfile checks every entry's CRC-32 and sizes as it reads it.
const READ = `
import json, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    assert z.testzip() is None
    print(json.dumps({i.filename: [i.compress_type, z.read(i).decode("utf-8")] for i in z.infolist()}))
`;

describe('zipSync', () => {
  it('writes an archive Python reads back: deflated and stored entries, UTF-8 names, empty files', () => {
    const big = 'loss 1.0\n'.repeat(5000);
    const file = path.join(dir.path, 'a.zip');
    writeFileSync(
      file,
      zipSync([
        { name: 'logs/big.log', data: big },
        { name: 'tiny.txt', data: 'x' },
        { name: 'empty.json', data: '' },
        { name: 'ünïcode/naïve.txt', data: 'ça va' },
      ]),
    );
    const got = JSON.parse(execFileSync('python3', ['-c', READ, file], { encoding: 'utf8' })) as Record<
      string,
      [number, string]
    >;
    expect(got).toEqual({
      'logs/big.log': [8, big],
      'tiny.txt': [0, 'x'],
      'empty.json': [0, ''],
      'ünïcode/naïve.txt': [0, 'ça va'],
    });
  });

  it('refuses unsafe and duplicate names', () => {
    expect(() => zipSync([{ name: '../x', data: '' }])).toThrow(/Bad zip entry/);
    expect(() => zipSync([{ name: '/etc/x', data: '' }])).toThrow(/Bad zip entry/);
    expect(() =>
      zipSync([
        { name: 'a', data: '' },
        { name: 'a', data: '' },
      ]),
    ).toThrow(/Duplicate/);
  });
});
