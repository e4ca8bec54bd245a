import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { mkdirs } from './fs.js';

/** A stable key for one model call: a hash of the block and everything that decides the answer. */
export const journalKey = (parts: unknown): string =>
  createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 32);

/**
 * The run's journal: one JSON line per teacher answer, appended as it arrives, keyed by a hash
 * of the block and its input. A resumed run reads it back and asks the teacher only for what is
 * missing. A line cut short by a kill is dropped on open (and cut off the file, so the next
 * append starts on a fresh line).
 */
export class Journal {
  private chain: Promise<void> = Promise.resolve();
  private closed = false;

  private constructor(
    readonly file: string,
    private readonly entries: Map<string, unknown>,
    private readonly handle: fs.FileHandle,
    /** Lines that could not be read back (a torn last line, or a corrupted one). */
    readonly brokenLines: number,
  ) {}

  static async open(file: string): Promise<Journal> {
    await mkdirs(path.dirname(file));
    const entries = new Map<string, unknown>();
    let broken = 0;
    const text = await fs.readFile(file, 'utf8').catch(() => '');
    const end = text.lastIndexOf('\n') + 1;
    if (end < text.length) {
      broken++;
      await fs.truncate(file, Buffer.byteLength(text.slice(0, end)));
    }
    for (const line of text.slice(0, end).split('\n')) {
      if (!line.trim()) continue;
      try {
        const e = JSON.parse(line) as { k?: unknown; v?: unknown };
        if (typeof e.k === 'string') entries.set(e.k, e.v);
        else broken++;
      } catch {
        broken++;
      }
    }
    const handle = await fs.open(file, 'a');
    return new Journal(file, entries, handle, broken);
  }

  get size(): number {
    return this.entries.size;
  }

  get<T>(key: string): T | undefined {
    return this.entries.get(key) as T | undefined;
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  /** Appends one answer; resolves once it is written (in the OS, so a kill -9 of this process keeps it). */
  append(key: string, value: unknown): Promise<void> {
    this.entries.set(key, value);
    const line = `${JSON.stringify({ k: key, v: value })}\n`;
    this.chain = this.chain.then(async () => {
      if (!this.closed) await this.handle.write(line);
    });
    return this.chain;
  }

  async close(): Promise<void> {
    await this.chain.catch(() => undefined);
    if (this.closed) return;
    this.closed = true;
    await this.handle.sync().catch(() => undefined);
    await this.handle.close();
  }
}
