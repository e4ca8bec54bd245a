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
  // 2: the model library (GGUF files and safetensors folders, with their lineage).
  `
  CREATE TABLE models (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    format TEXT NOT NULL CHECK (format IN ('gguf', 'safetensors')),
    path TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    sha256 TEXT,
    lineage TEXT NOT NULL,
    metadata TEXT,
    created_at REAL NOT NULL
  );
  CREATE INDEX models_created ON models(created_at DESC);
  `,
  // 3: chat conversations; messages form a tree (branches), searchable with FTS5.
  `
  CREATE TABLE conversations (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    model_id TEXT,
    system_prompt TEXT NOT NULL,
    sampling TEXT NOT NULL,
    leaf_id TEXT,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
  );
  CREATE INDEX conversations_updated ON conversations(updated_at DESC);
  CREATE TABLE messages (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    parent_id TEXT,
    role TEXT NOT NULL,
    content TEXT NOT NULL,
    state TEXT NOT NULL,
    model_id TEXT,
    stats TEXT,
    error TEXT,
    created_at REAL NOT NULL
  );
  CREATE INDEX messages_conversation ON messages(conversation_id, seq);
  CREATE VIRTUAL TABLE messages_fts USING fts5(content, content='messages', content_rowid='seq', tokenize='unicode61 remove_diacritics 2');
  CREATE TRIGGER messages_ai AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts(rowid, content) VALUES (new.seq, new.content);
  END;
  CREATE TRIGGER messages_ad AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts(messages_fts, rowid, content) VALUES ('delete', old.seq, old.content);
  END;
  CREATE TRIGGER messages_au AFTER UPDATE OF content ON messages BEGIN
    INSERT INTO messages_fts(messages_fts, rowid, content) VALUES ('delete', old.seq, old.content);
    INSERT INTO messages_fts(rowid, content) VALUES (new.seq, new.content);
  END;
  `,
  // 4: evaluation reports (the full JSON is also in the run folder) and checkpoint choices.
  `
  CREATE TABLE eval_reports (
    id TEXT PRIMARY KEY,
    run_id TEXT,
    job_id TEXT,
    model TEXT NOT NULL,
    base TEXT NOT NULL,
    path TEXT NOT NULL,
    scores TEXT NOT NULL,
    report TEXT NOT NULL,
    created_at REAL NOT NULL
  );
  CREATE INDEX eval_reports_run ON eval_reports(run_id, created_at DESC);
  CREATE TABLE checkpoint_selections (
    run_id TEXT NOT NULL,
    phase TEXT NOT NULL,
    selection TEXT NOT NULL,
    created_at REAL NOT NULL,
    PRIMARY KEY (run_id, phase)
  );
  `,
  // 5: guided pipeline runs (one record per run; the same JSON is <out>/pipeline.json).
  `
  CREATE TABLE pipeline_runs (
    job_id TEXT PRIMARY KEY,
    out TEXT NOT NULL,
    record TEXT NOT NULL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
  );
  CREATE INDEX pipeline_runs_out ON pipeline_runs(out, created_at DESC);
  `,
];

export const LATEST_SCHEMA_VERSION = migrations.length;
