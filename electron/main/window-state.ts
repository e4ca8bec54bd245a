import { readFileSync, renameSync } from 'node:fs';
import { writeFileAtomic } from '../core/util/fs.js';
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

  /** The saved state; a corrupt file is reset to the defaults and kept beside as `.corrupt-<time>`. */
  load(): WindowState {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch {
      return DEFAULT; // first start
    }
    try {
      const s = JSON.parse(text) as Partial<WindowState>;
      if (typeof s.width !== 'number' || typeof s.height !== 'number') throw new Error('no size');
      return { ...DEFAULT, ...s, width: Math.max(800, s.width), height: Math.max(560, s.height) };
    } catch {
      try {
        renameSync(this.file, `${this.file}.corrupt-${Date.now()}`);
      } catch {
        // Unwritable folder: the defaults still apply.
      }
      return DEFAULT;
    }
  }

  async save(state: WindowState): Promise<void> {
    await writeFileAtomic(this.file, JSON.stringify(state));
  }
}
