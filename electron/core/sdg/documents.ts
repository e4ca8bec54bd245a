import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { AppError } from '../../shared/errors.js';
import { fs, git, isGitRepo } from '../taxonomy/git-ops.js';

export interface LeafDocument {
  /** Path inside the documents repo. */
  path: string;
  text: string;
}

export interface DocumentBlock {
  repo: string;
  commit: string;
  patterns: string[];
}

/** A glob (`*.md`, `docs/**\/*.pdf`) as a regex over repo paths; like upstream's glob, `*` stays inside one folder. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  const g = glob.replace(/^\.\//, '');
  for (let i = 0; i < g.length; i++) {
    const c = g[i]!;
    if (c === '*' && g[i + 1] === '*') {
      if (g[i + 2] === '/') {
        re += '(?:.*/)?';
        i += 2;
      } else {
        re += '.*';
        i++;
      }
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

const leafError = (leaf: string, message: string, hint?: string, details?: unknown): AppError =>
  new AppError('DATASET_INVALID', `Leaf ${leaf}: ${message}`, { hint, details: { leaf, ...(details ?? {}) } });

/** The local git folder of a `document.repo`: a path (absolute, or relative to the taxonomy), `file://`, or a clone of a URL. */
async function localRepo(leaf: string, repo: string, taxonomyRoot: string, cacheDir: string, signal?: AbortSignal) {
  if (/^https?:\/\//i.test(repo)) {
    const dir = path.join(cacheDir, createHash('sha1').update(repo).digest('hex').slice(0, 16));
    if (await isGitRepo(dir)) return dir;
    const http = await import('isomorphic-git/http/node');
    const timeout = AbortSignal.timeout(60_000);
    const stop = new Promise<never>((_r, reject) => {
      const fail = (): void => reject(leafError(leaf, `cloning ${repo} timed out or was cancelled.`));
      timeout.addEventListener('abort', fail, { once: true });
      signal?.addEventListener('abort', fail, { once: true });
    });
    try {
      await Promise.race([git.clone({ fs, http: http.default, dir, url: repo, noCheckout: true }), stop]);
    } catch (err) {
      await fs.promises.rm(dir, { recursive: true, force: true });
      if (err instanceof AppError) throw err;
      throw leafError(
        leaf,
        `cannot clone the document repo ${repo}: ${(err as Error).message}`,
        'Check the URL and the network, or point document.repo at a local clone.',
      );
    }
    return dir;
  }
  const p = repo.startsWith('file://') ? new URL(repo).pathname : path.resolve(taxonomyRoot, repo);
  if (!existsSync(p))
    throw leafError(leaf, `the document repo ${repo} does not exist.`, 'Fix document.repo in the qna.yaml.');
  if (!(await isGitRepo(p))) throw leafError(leaf, `the document repo ${repo} is not a git repository.`);
  return p;
}

async function pdfText(bytes: Uint8Array): Promise<string> {
  const { extractText, getDocumentProxy } = await import('unpdf');
  const pdf = await getDocumentProxy(bytes);
  const { text } = await extractText(pdf, { mergePages: true });
  return text;
}

/**
 * Reads a knowledge leaf's documents from the repo and commit of its `document:` block (never
 * the working tree: the commit pins what the data was made from). Markdown as UTF-8, PDF through
 * unpdf. Every failure names the leaf and the file.
 */
export async function readLeafDocuments(
  leaf: string,
  doc: DocumentBlock,
  opts: { taxonomyRoot: string; cacheDir: string; signal?: AbortSignal },
): Promise<LeafDocument[]> {
  const dir = await localRepo(leaf, doc.repo, opts.taxonomyRoot, opts.cacheDir, opts.signal);
  let oid: string;
  try {
    oid = await git.expandOid({ fs, dir, oid: doc.commit });
    await git.readCommit({ fs, dir, oid });
  } catch {
    throw leafError(
      leaf,
      `the document commit ${doc.commit} does not exist in ${doc.repo}.`,
      'Fix document.commit in the qna.yaml (the SHA of a commit in that repo).',
      { repo: doc.repo, commit: doc.commit },
    );
  }
  const files: string[] = [];
  await git.walk({
    fs,
    dir,
    trees: [git.TREE({ ref: oid })],
    map: async (file, [e]) => {
      if (file !== '.' && (await e?.type()) === 'blob') files.push(file);
      return true;
    },
  });
  const res = doc.patterns.map(globToRegExp);
  const matched = files.filter((f) => res.some((r) => r.test(f))).sort();
  if (matched.length === 0)
    throw leafError(
      leaf,
      `no file at commit ${doc.commit.slice(0, 12)} of ${doc.repo} matches ${doc.patterns.join(', ')}.`,
      'Fix document.patterns, or commit the document to that repo.',
    );
  const kinds = new Set(matched.map((f) => path.extname(f).toLowerCase()));
  if (kinds.has('.md') && kinds.has('.pdf'))
    throw leafError(
      leaf,
      `provided multiple document types: ${doc.patterns.join(', ')} matches both Markdown and PDF files at commit ${doc.commit.slice(0, 12)} of ${doc.repo}.`,
      'Use one document type per leaf (upstream refuses a mix): narrow document.patterns, e.g. to *.md.',
      { files: matched },
    );
  const out: LeafDocument[] = [];
  for (const f of matched) {
    opts.signal?.throwIfAborted();
    const ext = path.extname(f).toLowerCase();
    if (ext !== '.md' && ext !== '.pdf')
      throw leafError(leaf, `${f}: unsupported file format for knowledge docs (only .md and .pdf).`);
    const { blob } = await git.readBlob({ fs, dir, oid, filepath: f });
    let text: string;
    try {
      text = ext === '.pdf' ? await pdfText(blob) : new TextDecoder('utf-8', { fatal: true }).decode(blob);
    } catch (err) {
      throw leafError(
        leaf,
        `cannot read ${f} (${ext === '.pdf' ? 'not a readable PDF' : 'not UTF-8 text'}: ${(err as Error).message}).`,
        'Replace the file in the documents repo with a readable Markdown or PDF file.',
        { file: f },
      );
    }
    if (!text.trim())
      throw leafError(
        leaf,
        `${f} has no text${ext === '.pdf' ? ' (a scanned PDF without a text layer?)' : ''}.`,
        undefined,
        { file: f },
      );
    out.push({ path: f, text });
  }
  return out;
}
