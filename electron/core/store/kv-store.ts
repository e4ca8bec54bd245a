import type { Db } from './database.js';

/** Small JSON values by key (settings, the last hardware scan). */
export class KvStore {
  constructor(private readonly db: Db) {}

  get<T>(key: string): T | null {
    const row = this.db.prepare('SELECT value FROM kv WHERE key = ?').get(key) as { value: string } | undefined;
    return row ? (JSON.parse(row.value) as T) : null;
  }

  /** Every entry, by key (the diagnostics bundle's settings). */
  entries(): Array<{ key: string; value: unknown; updatedAt: number }> {
    const rows = this.db.prepare('SELECT key, value, updated_at FROM kv ORDER BY key').all() as Array<{
      key: string;
      value: string;
      updated_at: number;
    }>;
    return rows.map((r) => ({ key: r.key, value: JSON.parse(r.value) as unknown, updatedAt: r.updated_at }));
  }

  set(key: string, value: unknown): void {
    this.db
      .prepare(
        'INSERT INTO kv (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at',
      )
      .run(key, JSON.stringify(value), Date.now());
  }
}
