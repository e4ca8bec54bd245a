import { create } from 'zustand';
import type { FindingInfo, TaxonomyDiffInfo, TaxonomyInfo, TreeEntryInfo } from '../../../../electron/shared/contract';
import type { QnaStats } from '../../../../electron/shared/taxonomy';
import { api } from '../../api/connection';

export interface OpenFile {
  path: string;
  /** What is on disk (after the last load or save). */
  savedText: string;
  text: string;
  etag: string;
}

interface TaxonomyState {
  info: TaxonomyInfo | null;
  loaded: boolean;
  entries: TreeEntryInfo[];
  diff: TaxonomyDiffInfo | null;
  file: OpenFile | null;
  findings: FindingInfo[];
  stats: QnaStats | null;
  /** The schema version the open qna.yaml was validated against (null: not parsed). */
  version: number | null;
  /** Cosmetic repairs the last save made. */
  lastFixes: string[];
  error: string | null;
  refresh(): Promise<void>;
  select(path: string): Promise<void>;
  setText(text: string): void;
  save(): Promise<void>;
  setError(e: unknown): void;
}

let validateTimer: ReturnType<typeof setTimeout> | undefined;
let validateSeq = 0;

export const messageOf = (e: unknown): string => {
  const err = e as { message?: string; hint?: string };
  return `${err.message ?? String(e)}${err.hint ? ` ${err.hint}` : ''}`;
};

/** The Taxonomy page's state; it mirrors the core and refreshes on `taxonomy.changed`. */
export const useTaxonomy = create<TaxonomyState>()((set, get) => {
  const validate = (path: string, text: string): void => {
    clearTimeout(validateTimer);
    const seq = ++validateSeq;
    validateTimer = setTimeout(() => {
      api
        .call('taxonomy.validate', { path, text })
        .then((r) => {
          if (seq === validateSeq) set({ findings: r.findings, stats: r.stats, version: r.version });
        })
        .catch((e: unknown) => get().setError(e));
    }, 200);
  };

  return {
    info: null,
    loaded: false,
    entries: [],
    diff: null,
    file: null,
    findings: [],
    stats: null,
    version: null,
    lastFixes: [],
    error: null,
    setError: (e) => set({ error: e === null ? null : messageOf(e) }),
    refresh: async () => {
      const info = await api.call('taxonomy.current', {});
      if (!info) {
        set({ info: null, loaded: true, entries: [], diff: null });
        return;
      }
      const [tree, diff] = await Promise.all([
        api.call('taxonomy.tree', {}),
        api.call('taxonomy.diff', {}).catch(() => null),
      ]);
      set({ info, loaded: true, entries: tree.entries, diff });
    },
    select: async (path) => {
      const f = await api.call('taxonomy.read', { path });
      set({
        file: { path: f.path, text: f.text, savedText: f.text, etag: f.etag },
        findings: [],
        stats: null,
        version: null,
        lastFixes: [],
        error: null,
      });
      if (path.endsWith('qna.yaml')) validate(f.path, f.text);
    },
    setText: (text) => {
      const file = get().file;
      if (!file || file.text === text) return;
      set({ file: { ...file, text } });
      if (file.path.endsWith('qna.yaml')) validate(file.path, text);
    },
    save: async () => {
      const file = get().file;
      if (!file) return;
      const r = await api.call('taxonomy.write', { path: file.path, text: file.text, ifMatch: file.etag });
      const current = get().file;
      // Keep typing that happened during the save; take the repaired text only when nothing changed since.
      const text = current && current.text !== file.text ? current.text : r.text;
      set({ file: { path: r.path, text, savedText: r.text, etag: r.etag }, lastFixes: r.fixes, error: null });
      if (r.path.endsWith('qna.yaml')) validate(r.path, text);
    },
  };
});
