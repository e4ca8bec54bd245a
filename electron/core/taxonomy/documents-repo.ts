import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { isMap, isSeq, parseDocument, Scalar, YAMLSeq } from 'yaml';
import { AppError } from '../../shared/errors.js';
import { mkdirs, writeFileAtomic } from '../util/fs.js';
import { DEFAULT_AUTHOR, fs, git, isGitRepo } from './git-ops.js';
import { resolveInside } from './safe-path.js';

/** `My Notes (v2).txt` → `my_notes_v2.md`: text is valid Markdown, and InstructLab reads only .md and .pdf. */
export function documentFileName(fileName: string): string {
  const base = path.basename(fileName.replace(/\\/g, '/'));
  const m = /^(.*?)(\.(md|markdown|txt|text))?$/i.exec(base)!;
  if (!m[2])
    throw new AppError('INVALID_REQUEST', `"${base}" is not a Markdown (.md) or text (.txt) file.`, {
      hint: 'Convert the document to Markdown or plain text first.',
    });
  const stem =
    m[1]!
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, '_')
      .replace(/^[._]+|_+$/g, '') || 'document';
  return `${stem}.md`;
}

/** Knowledge documents, kept in their own git repo under the data dir (`documents/`), as upstream keeps them in a repo. */
export class DocumentsRepo {
  constructor(readonly root: string) {}

  private async ensure(): Promise<void> {
    if (await isGitRepo(this.root)) return;
    await mkdirs(this.root);
    await git.init({ fs, dir: this.root, defaultBranch: 'main' });
  }

  /** Writes `content` to `<folder>/<name>.md`, commits it and returns what the qna.yaml `document:` block needs. */
  async add(
    folder: string,
    fileName: string,
    content: string,
    author = DEFAULT_AUTHOR,
  ): Promise<{ repo: string; commit: string; pattern: string }> {
    await this.ensure();
    const name = documentFileName(fileName);
    const rel = `${folder.replace(/\\/g, '/').replace(/\/+$/, '')}/${name}`;
    const abs = await resolveInside(this.root, rel);
    await mkdirs(path.dirname(abs));
    const old = await fsp.readFile(abs, 'utf8').catch(() => null);
    if (old !== content) {
      await writeFileAtomic(abs, content);
      await git.add({ fs, dir: this.root, filepath: rel });
      await git.commit({ fs, dir: this.root, message: `${old === null ? 'Add' : 'Update'} ${rel}`, author });
    }
    const commit = await git.resolveRef({ fs, dir: this.root, ref: 'HEAD' });
    return { repo: this.root, commit, pattern: rel };
  }
}

/**
 * Points a qna.yaml's `document:` block at a document (repo, commit, pattern) through the yaml
 * Document API, so comments and key order stay. A block naming another repo is replaced.
 */
export function setDocumentBlock(text: string, doc: { repo: string; commit: string; pattern: string }): string {
  const d = parseDocument(text, { uniqueKeys: true });
  if (d.errors.length > 0 || !isMap(d.contents))
    throw new AppError('VALIDATION_FAILED', 'The qna.yaml has YAML errors; fix them before adding a document.', {
      hint: 'The editor marks where.',
    });
  const sameRepo = d.getIn(['document', 'repo']) === doc.repo;
  d.setIn(['document', 'repo'], doc.repo);
  d.setIn(['document', 'commit'], doc.commit);
  const pats = d.getIn(['document', 'patterns'], true);
  if (sameRepo && isSeq(pats)) {
    if (!pats.items.some((i) => (i as Scalar).value === doc.pattern)) pats.items.push(new Scalar(doc.pattern));
  } else {
    const s = new YAMLSeq();
    s.items.push(new Scalar(doc.pattern));
    d.setIn(['document', 'patterns'], s);
  }
  return d.toString({ lineWidth: 0 });
}
