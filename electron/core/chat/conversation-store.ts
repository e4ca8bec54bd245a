import { randomUUID } from 'node:crypto';
import type { ConversationInfo, GenerationStats, MessageInfo, Sampling } from '../../shared/contract/index.js';
import { AppError, type ErrorInfo } from '../../shared/errors.js';
import type { Db } from '../store/database.js';

interface ConversationRow {
  id: string;
  title: string;
  model_id: string | null;
  system_prompt: string;
  sampling: string;
  leaf_id: string | null;
  created_at: number;
  updated_at: number;
  message_count: number;
  snippet?: string;
}

interface MessageRow {
  id: string;
  conversation_id: string;
  parent_id: string | null;
  role: MessageInfo['role'];
  content: string;
  state: MessageInfo['state'];
  model_id: string | null;
  stats: string | null;
  error: string | null;
  created_at: number;
}

const CONV_SELECT = `SELECT c.*, (SELECT COUNT(*) FROM messages m WHERE m.conversation_id = c.id) AS message_count FROM conversations c`;

const toConversation = (r: ConversationRow): ConversationInfo => ({
  id: r.id,
  title: r.title,
  modelId: r.model_id,
  systemPrompt: r.system_prompt,
  sampling: JSON.parse(r.sampling) as Sampling,
  leafId: r.leaf_id,
  messageCount: r.message_count,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  ...(r.snippet !== undefined ? { snippet: r.snippet } : {}),
});

const toMessage = (r: MessageRow): MessageInfo => ({
  id: r.id,
  conversationId: r.conversation_id,
  parentId: r.parent_id,
  role: r.role,
  content: r.content,
  state: r.state,
  modelId: r.model_id,
  stats: r.stats ? (JSON.parse(r.stats) as GenerationStats) : null,
  error: r.error ? (JSON.parse(r.error) as ErrorInfo) : null,
  createdAt: r.created_at,
});

/** Every word as an FTS5 prefix term, quoted so user text is never FTS syntax. */
function ftsQuery(q: string): string | null {
  const words = q.match(/[\p{L}\p{N}_]+/gu);
  return words ? words.map((w) => `"${w}"*`).join(' ') : null;
}

/** Conversations and their message trees in SQLite, searchable with FTS5. */
export class ConversationStore {
  constructor(private readonly db: Db) {}

  create(p: { title?: string; modelId?: string | null; systemPrompt?: string; sampling?: Sampling }): ConversationInfo {
    const now = Date.now();
    const id = randomUUID();
    this.db
      .prepare(
        `INSERT INTO conversations (id, title, model_id, system_prompt, sampling, leaf_id, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, NULL, ?, ?)`,
      )
      .run(id, p.title ?? '', p.modelId ?? null, p.systemPrompt ?? '', JSON.stringify(p.sampling ?? {}), now, now);
    return this.get(id);
  }

  get(id: string): ConversationInfo {
    const row = this.db.prepare(`${CONV_SELECT} WHERE c.id = ?`).get(id) as ConversationRow | undefined;
    if (!row) throw new AppError('NOT_FOUND', `No conversation ${id}`, { details: { id } });
    return toConversation(row);
  }

  update(
    id: string,
    p: { title?: string; modelId?: string | null; systemPrompt?: string; sampling?: Sampling; leafId?: string | null },
  ): ConversationInfo {
    const cur = this.get(id);
    this.db
      .prepare(
        `UPDATE conversations SET title = ?, model_id = ?, system_prompt = ?, sampling = ?, leaf_id = ?, updated_at = ? WHERE id = ?`,
      )
      .run(
        p.title ?? cur.title,
        p.modelId === undefined ? cur.modelId : p.modelId,
        p.systemPrompt ?? cur.systemPrompt,
        JSON.stringify(p.sampling ?? cur.sampling),
        p.leafId === undefined ? cur.leafId : p.leafId,
        Date.now(),
        id,
      );
    return this.get(id);
  }

  delete(id: string): void {
    this.get(id);
    this.db.prepare('DELETE FROM conversations WHERE id = ?').run(id);
  }

  /** Most recent first; with `query`, conversations whose title or messages match (full text, prefix). */
  list(p: { query?: string; limit?: number } = {}): ConversationInfo[] {
    const limit = p.limit ?? 200;
    const q = p.query?.trim() ? ftsQuery(p.query) : null;
    if (p.query?.trim() && !q) return [];
    if (!q)
      return (this.db.prepare(`${CONV_SELECT} ORDER BY c.updated_at DESC LIMIT ?`).all(limit) as ConversationRow[]).map(
        toConversation,
      );
    // FTS auxiliary functions only work in a plain query on the FTS table, so this is two steps.
    const hits = this.db
      .prepare(
        `SELECT rowid AS seq, snippet(messages_fts, 0, '[', ']', '…', 12) AS snip FROM messages_fts WHERE messages_fts MATCH ? ORDER BY rank LIMIT 2000`,
      )
      .all(q) as Array<{ seq: number; snip: string }>;
    const snippets = new Map<string, string>();
    const owner = this.db.prepare('SELECT conversation_id AS cid FROM messages WHERE seq = ?');
    for (const h of hits) {
      const cid = (owner.get(h.seq) as { cid: string } | undefined)?.cid;
      if (cid && !snippets.has(cid)) snippets.set(cid, h.snip);
    }
    const like = `%${p.query!.trim().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const byTitle = this.db.prepare(`SELECT id FROM conversations WHERE title LIKE ? ESCAPE '\\'`).all(like) as Array<{
      id: string;
    }>;
    const ids = new Set([...snippets.keys(), ...byTitle.map((r) => r.id)]);
    const rows = [...ids]
      .map((id) => this.db.prepare(`${CONV_SELECT} WHERE c.id = ?`).get(id) as ConversationRow)
      .sort((a, b) => b.updated_at - a.updated_at)
      .slice(0, limit)
      .map((r) => ({ ...r, snippet: snippets.get(r.id) }));
    return rows.map((r) => toConversation({ ...r, snippet: r.snippet ?? r.title }));
  }

  messages(conversationId: string): MessageInfo[] {
    return (
      this.db
        .prepare('SELECT * FROM messages WHERE conversation_id = ? ORDER BY seq')
        .all(conversationId) as MessageRow[]
    ).map(toMessage);
  }

  message(id: string): MessageInfo {
    const row = this.db.prepare('SELECT * FROM messages WHERE id = ?').get(id) as MessageRow | undefined;
    if (!row) throw new AppError('NOT_FOUND', `No message ${id}`, { details: { id } });
    return toMessage(row);
  }

  addMessage(
    m: Pick<MessageInfo, 'conversationId' | 'parentId' | 'role' | 'content' | 'state' | 'modelId'>,
  ): MessageInfo {
    const id = randomUUID();
    const now = Date.now();
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO messages (id, conversation_id, parent_id, role, content, state, model_id, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(id, m.conversationId, m.parentId, m.role, m.content, m.state, m.modelId, now);
      this.db
        .prepare('UPDATE conversations SET leaf_id = ?, updated_at = ? WHERE id = ?')
        .run(id, now, m.conversationId);
    })();
    return this.message(id);
  }

  updateMessage(
    id: string,
    p: { content?: string; state?: MessageInfo['state']; stats?: GenerationStats | null; error?: ErrorInfo | null },
  ): MessageInfo {
    const cur = this.message(id);
    this.db
      .prepare('UPDATE messages SET content = ?, state = ?, stats = ?, error = ? WHERE id = ?')
      .run(
        p.content ?? cur.content,
        p.state ?? cur.state,
        JSON.stringify(p.stats === undefined ? cur.stats : p.stats),
        JSON.stringify(p.error === undefined ? cur.error : p.error),
        id,
      );
    return this.message(id);
  }

  /** The messages from the root down to `id` (the branch the model sees). */
  path(id: string | null): MessageInfo[] {
    if (id === null) return [];
    const rows = this.db
      .prepare(
        `WITH RECURSIVE up(id, parent_id, depth) AS (
           SELECT id, parent_id, 0 FROM messages WHERE id = ?
           UNION ALL SELECT m.id, m.parent_id, up.depth + 1 FROM messages m JOIN up ON m.id = up.parent_id
         )
         SELECT m.* FROM up JOIN messages m ON m.id = up.id ORDER BY up.depth DESC`,
      )
      .all(id) as MessageRow[];
    return rows.map(toMessage);
  }

  /** The newest leaf below `id` (following the most recent child), to show that branch. */
  newestLeaf(id: string): string {
    let cur = id;
    for (;;) {
      const child = this.db
        .prepare('SELECT id FROM messages WHERE parent_id = ? ORDER BY seq DESC LIMIT 1')
        .get(cur) as { id: string } | undefined;
      if (!child) return cur;
      cur = child.id;
    }
  }

  /** Answers left `streaming` by a previous run that died: they are partial now. */
  markInterrupted(): void {
    this.db
      .prepare(`UPDATE messages SET state = 'error', error = ? WHERE state = 'streaming'`)
      .run(JSON.stringify({ code: 'INTERRUPTED', message: 'LabForge stopped while this answer was being written.' }));
  }
}
