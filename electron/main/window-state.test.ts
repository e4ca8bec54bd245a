import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../test/helpers/temp-dir.js';
import { WindowStateStore } from './window-state.js';

const dir = tempDir();
afterAll(() => dir.remove());

describe('window state', () => {
  it('round-trips, and resets a corrupt file to the defaults while keeping a backup', async () => {
    const store = new WindowStateStore(dir.path);
    expect(store.load()).toEqual({ width: 1280, height: 820, maximized: false });
    await store.save({ x: 10, y: 20, width: 1000, height: 700, maximized: true });
    expect(store.load()).toEqual({ x: 10, y: 20, width: 1000, height: 700, maximized: true });
    writeFileSync(path.join(dir.path, 'window-state.json'), '{"width": 10');
    expect(store.load()).toEqual({ width: 1280, height: 820, maximized: false });
    const backups = readdirSync(dir.path).filter((f) => f.startsWith('window-state.json.corrupt-'));
    expect(backups).toHaveLength(1);
    expect(readFileSync(path.join(dir.path, backups[0]!), 'utf8')).toBe('{"width": 10');
  });
});
