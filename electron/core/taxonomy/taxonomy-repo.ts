import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { createTwoFilesPatch } from 'diff';
import type { CommitInfo, TaxonomyInfo } from '../../shared/contract/index.js';
import { AppError } from '../../shared/errors.js';
import { mkdirs, writeFileAtomic } from '../util/fs.js';
import {
  commitAll,
  DEFAULT_AUTHOR,
  fileStatuses,
  fs,
  git,
  headOid,
  isMerging,
  requireClean,
  requireGitRepo,
  toCommitInfo,
  type FileStatus,
} from './git-ops.js';
import { resolveInside } from './safe-path.js';
import { defaultBase, taxonomyDiff } from './taxonomy-diff.js';
import { listTree, readText, validateAllFiles, writeText } from './taxonomy-files.js';
import { TEMPLATE_FILES } from './template.js';

type Author = { name: string; email: string };

/** One taxonomy clone: files, validation and git, all through isomorphic-git (no git binary needed). */
export class TaxonomyRepo {
  private constructor(readonly root: string) {}

  /** Opens an existing clone; NOT_A_GIT_REPO when `dir` has no .git. */
  static async open(dir: string): Promise<TaxonomyRepo> {
    const root = path.resolve(dir);
    await requireGitRepo(root);
    return new TaxonomyRepo(root);
  }

  /** A new taxonomy from the template, committed once; refuses a non-empty folder. */
  static async create(dir: string, author: Author = DEFAULT_AUTHOR): Promise<TaxonomyRepo> {
    const root = path.resolve(dir);
    const existing = await fsp.readdir(root).catch(() => null);
    if (existing && existing.length > 0)
      throw new AppError(
        'CONFLICT',
        `${root} is not empty, so LabForge will not create a taxonomy there (nothing was changed).`,
        {
          hint: existing.includes('.git')
            ? 'It is already a git repository: open it instead.'
            : 'Choose an empty or new folder.',
        },
      );
    await mkdirs(root);
    await git.init({ fs, dir: root, defaultBranch: 'main' });
    for (const [rel, text] of Object.entries(TEMPLATE_FILES)) {
      await mkdirs(path.dirname(path.join(root, rel)));
      await writeFileAtomic(path.join(root, rel), text);
      await git.add({ fs, dir: root, filepath: rel });
    }
    await git.commit({ fs, dir: root, message: 'New taxonomy from the LabForge template', author });
    return new TaxonomyRepo(root);
  }

  async info(): Promise<TaxonomyInfo> {
    const [branch, head, files, merging, base] = await Promise.all([
      git.currentBranch({ fs, dir: this.root }).then((b) => b ?? null),
      headOid(this.root),
      fileStatuses(this.root),
      isMerging(this.root),
      defaultBase(this.root),
    ]);
    return { root: this.root, branch, head, dirtyFiles: files.length, merging, defaultBase: base };
  }

  tree = () => listTree(this.root);
  read = (rel: string) => readText(this.root, rel);
  write = (rel: string, text: string, opts?: { ifMatch?: string | null; createOnly?: boolean }) =>
    writeText(this.root, rel, text, opts);
  validateAll = () => validateAllFiles(this.root);
  status = (): Promise<FileStatus[]> => fileStatuses(this.root);
  diff = (base?: string) => taxonomyDiff(this.root, base);

  /** A new leaf folder with its qna.yaml (and attribution.txt); CONFLICT when the leaf exists. */
  async createEntry(rel: string, qna: string, attribution?: string): Promise<{ path: string; qnaPath: string }> {
    const folder = rel
      .replace(/\\/g, '/')
      .replace(/\/+$/, '')
      .replace(/\/qna\.yaml$/, '');
    const top = folder.split('/')[0];
    if (
      !['knowledge', 'compositional_skills', 'foundational_skills'].includes(top ?? '') ||
      folder.split('/').length < 2
    )
      throw new AppError(
        'INVALID_REQUEST',
        `"${folder}" must be a folder under knowledge/, compositional_skills/ or foundational_skills/.`,
      );
    if (/\s/.test(folder))
      throw new AppError(
        'INVALID_REQUEST',
        `Folder names use "_" instead of spaces: "${folder.replace(/\s+/g, '_')}".`,
      );
    const qnaPath = `${folder}/qna.yaml`;
    await this.write(qnaPath, qna, { createOnly: true });
    if (attribution !== undefined)
      await this.write(`${folder}/attribution.txt`, attribution, { createOnly: true }).catch(() => undefined);
    return { path: folder, qnaPath };
  }

  async fileDiff(rel: string): Promise<{ path: string; patch: string }> {
    const abs = await resolveInside(this.root, rel);
    const filepath = rel.replace(/\\/g, '/');
    const head = await headOid(this.root);
    let before = '';
    if (head) {
      const blob = await git.readBlob({ fs, dir: this.root, oid: head, filepath }).catch(() => null);
      if (blob) before = new TextDecoder().decode(blob.blob);
    }
    const after = await fsp.readFile(abs, 'utf8').catch(() => '');
    const patch = createTwoFilesPatch(`a/${filepath}`, `b/${filepath}`, before, after, 'HEAD', 'working tree');
    return { path: filepath, patch: patch.replace(/^=+\n/, '') };
  }

  async commit(message: string, author: Author, paths?: string[]): Promise<CommitInfo> {
    for (const p of paths ?? []) await resolveInside(this.root, p);
    const oid = await commitAll(this.root, message, author, paths);
    const [c] = await git.log({ fs, dir: this.root, ref: oid, depth: 1 });
    return toCommitInfo(c!);
  }

  async log(ref = 'HEAD', limit = 50): Promise<CommitInfo[]> {
    if (!(await headOid(this.root))) return [];
    try {
      return (await git.log({ fs, dir: this.root, ref, depth: limit })).map(toCommitInfo);
    } catch {
      throw new AppError('NOT_FOUND', `Couldn't find the git ref "${ref}".`);
    }
  }

  async branches(): Promise<{ current: string | null; local: string[]; remote: string[] }> {
    const current = (await git.currentBranch({ fs, dir: this.root })) ?? null;
    const local = await git.listBranches({ fs, dir: this.root });
    const refs = await git.listRefs({ fs, dir: this.root, filepath: 'refs/remotes' }).catch(() => [] as string[]);
    const remote = refs.filter((r) => !r.endsWith('/HEAD')).sort();
    return { current, local, remote };
  }

  async createBranch(name: string, checkout: boolean): Promise<void> {
    if (checkout) await requireClean(this.root, 'switch branches');
    try {
      await git.branch({ fs, dir: this.root, ref: name, checkout });
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'AlreadyExistsError') throw new AppError('CONFLICT', `A branch named "${name}" already exists.`);
      if (code === 'InvalidRefNameError')
        throw new AppError(
          'INVALID_REQUEST',
          `"${name}" is not a valid branch name (no spaces, "..", "~", "^" or ":").`,
        );
      throw err;
    }
  }

  async checkout(branch: string): Promise<void> {
    const { local } = await this.branches();
    if (!local.includes(branch)) throw new AppError('NOT_FOUND', `There is no local branch "${branch}".`);
    await requireClean(this.root, 'switch branches');
    try {
      await git.checkout({ fs, dir: this.root, ref: branch });
    } catch (err) {
      if ((err as { code?: string }).code === 'CheckoutConflictError')
        throw new AppError(
          'GIT_CONFLICT',
          `Switching to "${branch}" would overwrite files you have not committed; nothing was changed.`,
          {
            hint: 'Commit or move those files first.',
            details: { data: (err as { data?: unknown }).data },
          },
        );
      throw err;
    }
  }
}
