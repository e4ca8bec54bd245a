import path from 'node:path';
import type { DiffLeafInfo, TaxonomyDiffInfo } from '../../shared/contract/index.js';
import { AppError } from '../../shared/errors.js';
import { kindOf, leafIdOf, TRAINED_FOLDERS } from '../../shared/taxonomy/index.js';
import { fileStatuses, fs, git, headOid, resolveCommit } from './git-ops.js';

type Change = 'added' | 'modified' | 'deleted';

/** The base upstream uses (`origin/main`), else the repository's first commit (a new taxonomy's template). */
export async function defaultBase(dir: string): Promise<string> {
  if (await resolveCommit(dir, 'origin/main')) return 'origin/main';
  const head = await headOid(dir);
  if (!head) return 'empty';
  const commits = await git.log({ fs, dir, ref: 'HEAD' });
  return commits[commits.length - 1]!.oid.slice(0, 12);
}

/** Walks HEAD's first parents until a commit the base contains (`ilab taxonomy diff`'s fork point). */
async function forkPoint(dir: string, head: string, base: string): Promise<string | null> {
  let c: string | undefined = head;
  for (let n = 0; c && n < 100_000; n++) {
    if (c === base || (await git.isDescendent({ fs, dir, oid: base, ancestor: c, depth: -1 }))) return c;
    const { commit }: { commit: { parent: string[] } } = await git.readCommit({ fs, dir, oid: c });
    c = commit.parent[0];
  }
  return null;
}

/** Files that differ between two commits' trees, pruning identical subtrees. */
async function treeChanges(dir: string, from: string | null, to: string): Promise<Map<string, Change>> {
  const out = new Map<string, Change>();
  const trees = [git.TREE({ ref: from ?? to }), git.TREE({ ref: to })];
  await git.walk({
    fs,
    dir,
    trees,
    map: async (file, [a, b]) => {
      if (file === '.') return true;
      const top = file.split('/')[0]!;
      if (!['knowledge', 'compositional_skills', 'foundational_skills'].includes(top)) return null;
      const aOid = from === null ? null : ((await a?.oid()) ?? null);
      const bOid = (await b?.oid()) ?? null;
      if (aOid === bOid) return null;
      const type = (await (b ?? a)?.type()) ?? 'blob';
      if (type === 'tree') return true;
      out.set(file, aOid === null ? 'added' : bOid === null ? 'deleted' : 'modified');
      return true;
    },
  });
  return out;
}

async function allLeaves(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    const entries = await fs.promises.readdir(path.join(dir, rel), { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      const r = `${rel}/${e.name}`;
      if (e.isDirectory()) await walk(r);
      else if (e.isFile() && e.name === 'qna.yaml') out.push(r);
    }
  };
  for (const top of TRAINED_FOLDERS) await walk(top);
  return out.sort();
}

/**
 * `ilab taxonomy diff`: untracked qna.yaml files plus the changes between the fork point with
 * the base and the working tree (uncommitted edits count, deleted files do not), each leaf with
 * the reason it is selected, and the changed files that are not selected with theirs.
 */
export async function taxonomyDiff(dir: string, baseArg?: string): Promise<TaxonomyDiffInfo> {
  const base = baseArg ?? (await defaultBase(dir));
  if (base === 'empty') {
    const leaves = (await allLeaves(dir)).map<DiffLeafInfo>((p) => ({
      path: p,
      leafId: leafIdOf(p),
      kind: kindOf(p),
      change: 'added',
      where: 'committed',
      reason: 'the base is "empty", so every leaf is trained',
    }));
    return { base, baseOid: null, forkPoint: null, leaves, skipped: [] };
  }
  const baseOid = await resolveCommit(dir, base);
  if (!baseOid)
    throw new AppError('NOT_FOUND', `Couldn't find the git ref "${base}" in this taxonomy.`, {
      hint: 'Pick a branch, tag or commit that exists (or "empty" to train every leaf).',
    });
  const head = await headOid(dir);
  const fork = head ? await forkPoint(dir, head, baseOid) : null;
  const committed = head ? await treeChanges(dir, fork, head) : new Map<string, Change>();
  const working = await fileStatuses(dir, ['knowledge', 'compositional_skills', 'foundational_skills']);
  const work = new Map(working.map((w) => [w.path, w]));
  const since = fork ? `since ${base}` : `(HEAD shares no history with ${base})`;

  const leaves: DiffLeafInfo[] = [];
  const skipped: Array<{ path: string; reason: string }> = [];
  for (const p of [...new Set([...committed.keys(), ...work.keys()])].sort()) {
    const name = p.split('/').pop();
    if (name === 'qna.yml') {
      skipped.push({
        path: p,
        reason: 'named qna.yml: InstructLab reads only files named exactly qna.yaml. Rename it.',
      });
      continue;
    }
    if (name !== 'qna.yaml') continue;
    const c = committed.get(p);
    const w = work.get(p);
    const existsNow = w ? w.status !== 'deleted' : c !== 'deleted';
    if (!existsNow) {
      skipped.push({ path: p, reason: 'deleted: there is nothing left to train' });
      continue;
    }
    if (p.startsWith('foundational_skills/')) {
      skipped.push({
        path: p,
        reason:
          'foundational_skills/ is not used to generate training data (only knowledge/ and compositional_skills/ are)',
      });
      continue;
    }
    const untracked = w?.status === 'untracked';
    const addedOverall = untracked || w?.status === 'added' || c === 'added';
    const where: DiffLeafInfo['where'] = untracked ? 'untracked' : c && w ? 'both' : c ? 'committed' : 'uncommitted';
    const reason = {
      untracked: 'new file, not committed yet',
      uncommitted: addedOverall ? 'new file, added but not committed yet' : 'edited, the edits are not committed yet',
      committed: `${addedOverall ? 'added' : 'changed'} in a commit ${since}`,
      both: `${addedOverall ? 'added' : 'changed'} in a commit ${since}, with uncommitted edits on top`,
    }[where];
    leaves.push({
      path: p,
      leafId: leafIdOf(p),
      kind: kindOf(p),
      change: addedOverall ? 'added' : 'modified',
      where,
      reason,
    });
  }
  return { base, baseOid, forkPoint: fork, leaves, skipped };
}
