/**
 * Numbered schema migrations. Append only: never edit a migration that has shipped.
 * `PRAGMA user_version` holds the number of the last one applied.
 */
export const migrations: readonly string[] = [
  // 1: jobs, their logs, and a key/value table for small settings and snapshots.
  `
  CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    params TEXT NOT NULL,
    state TEXT NOT NULL,
    progress TEXT NOT NULL,
    result TEXT,
    error TEXT,
    resume_state TEXT,
    uses_gpu INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL,
    started_at REAL,
    ended_at REAL
  );
  CREATE INDEX jobs_created ON jobs(created_at DESC);
  CREATE TABLE job_logs (
    job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    time REAL NOT NULL,
    level TEXT NOT NULL,
    message TEXT NOT NULL,
    PRIMARY KEY (job_id, seq)
  );
  CREATE TABLE kv (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at REAL NOT NULL
  );
  `,
];

export const LATEST_SCHEMA_VERSION = migrations.length;
