import { promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';

export interface WindowState {
  x?: number;
  y?: number;
  width: number;
  height: number;
  maximized: boolean;
}

const DEFAULT: WindowState = { width: 1280, height: 820, maximized: false };

/** Window size and position, remembered across starts in the data dir. */
export class WindowStateStore {
  private readonly file: string;

  constructor(dataDir: string) {
    this.file = path.join(dataDir, 'window-state.json');
  }

  load(): WindowState {
    try {
      const s = JSON.parse(readFileSync(this.file, 'utf8')) as Partial<WindowState>;
      if (typeof s.width !== 'number' || typeof s.height !== 'number') return DEFAULT;
      return { ...DEFAULT, ...s, width: Math.max(800, s.width), height: Math.max(560, s.height) };
    } catch {
      return DEFAULT;
    }
  }

  async save(state: WindowState): Promise<void> {
    const tmp = `${this.file}.part`;
    await fs.writeFile(tmp, JSON.stringify(state));
    await fs.rename(tmp, this.file);
  }
}
