import type { StateCreator } from 'zustand';
import type { FindingInfo, TaxonomyDiffInfo, TaxonomyInfo, TreeEntryInfo } from '../../../electron/shared/contract';
import type { QnaStats } from '../../../electron/shared/taxonomy';
import { api } from '../api/connection';
import { messageOf } from '../components/message-of';
import type { Store } from './index';

export interface OpenFile {
  path: string;
  /** What is on disk (after the last load or save). */
  savedText: string;
  text: string;
  etag: string;
}

export interface TaxonomySlice {
  /** The taxonomy repo, its tree and its diff; mirror the core, refreshed on `taxonomy.changed`. */
  taxonomyInfo: TaxonomyInfo | null;
  taxonomyLoaded: boolean;
  taxonomyEntries: TreeEntryInfo[];
  taxonomyDiff: TaxonomyDiffInfo | null;
  /** The file open in the editor, with the findings of its last validation. */
  taxonomyFile: OpenFile | null;
  taxonomyFindings: FindingInfo[];
  taxonomyStats: QnaStats | null;
  /** The schema version the open qna.yaml was validated against (null: not parsed). */
  taxonomyVersion: number | null;
  /** Cosmetic repairs the last save made. */
  taxonomyFixes: string[];
  taxonomyError: string | null;
  refreshTaxonomy(): Promise<void>;
  selectTaxonomyFile(path: string): Promise<void>;
  setTaxonomyText(text: string): void;
  saveTaxonomyFile(): Promise<void>;
  setTaxonomyError(e: unknown): void;
  /** Applies one `taxonomy.changed` event (once the page has loaded the taxonomy). */
  applyTaxonomyChanged(): void;
}

/** The Taxonomy page's state. */
export const createTaxonomySlice: StateCreator<Store, [], [], TaxonomySlice> = (set, get) => {
  let validateTimer: ReturnType<typeof setTimeout> | undefined;
  let validateSeq = 0;
  const validate = (path: string, text: string): void => {
    clearTimeout(validateTimer);
    const seq = ++validateSeq;
    validateTimer = setTimeout(() => {
      api
        .call('taxonomy.validate', { path, text })
        .then((r) => {
          if (seq === validateSeq)
            set({ taxonomyFindings: r.findings, taxonomyStats: r.stats, taxonomyVersion: r.version });
        })
        .catch((e: unknown) => get().setTaxonomyError(e));
    }, 200);
  };

  return {
    taxonomyInfo: null,
    taxonomyLoaded: false,
    taxonomyEntries: [],
    taxonomyDiff: null,
    taxonomyFile: null,
    taxonomyFindings: [],
    taxonomyStats: null,
    taxonomyVersion: null,
    taxonomyFixes: [],
    taxonomyError: null,
    setTaxonomyError: (e) => set({ taxonomyError: e === null ? null : messageOf(e) }),
    refreshTaxonomy: async () => {
      const info = await api.call('taxonomy.current', {});
      if (!info) {
        set({ taxonomyInfo: null, taxonomyLoaded: true, taxonomyEntries: [], taxonomyDiff: null });
        return;
      }
      const [tree, diff] = await Promise.all([
        api.call('taxonomy.tree', {}),
        api.call('taxonomy.diff', {}).catch(() => null),
      ]);
      set({ taxonomyInfo: info, taxonomyLoaded: true, taxonomyEntries: tree.entries, taxonomyDiff: diff });
    },
    selectTaxonomyFile: async (path) => {
      const f = await api.call('taxonomy.read', { path });
      set({
        taxonomyFile: { path: f.path, text: f.text, savedText: f.text, etag: f.etag },
        taxonomyFindings: [],
        taxonomyStats: null,
        taxonomyVersion: null,
        taxonomyFixes: [],
        taxonomyError: null,
      });
      if (path.endsWith('qna.yaml')) validate(f.path, f.text);
    },
    setTaxonomyText: (text) => {
      const file = get().taxonomyFile;
      if (!file || file.text === text) return;
      set({ taxonomyFile: { ...file, text } });
      if (file.path.endsWith('qna.yaml')) validate(file.path, text);
    },
    saveTaxonomyFile: async () => {
      const file = get().taxonomyFile;
      if (!file) return;
      const r = await api.call('taxonomy.write', { path: file.path, text: file.text, ifMatch: file.etag });
      const current = get().taxonomyFile;
      // Keep typing that happened during the save; take the repaired text only when nothing changed since.
      const text = current && current.text !== file.text ? current.text : r.text;
      set({
        taxonomyFile: { path: r.path, text, savedText: r.text, etag: r.etag },
        taxonomyFixes: r.fixes,
        taxonomyError: null,
      });
      if (r.path.endsWith('qna.yaml')) validate(r.path, text);
    },
    applyTaxonomyChanged: () => {
      if (get().taxonomyLoaded) get().refreshTaxonomy().catch(get().setTaxonomyError);
    },
  };
};
