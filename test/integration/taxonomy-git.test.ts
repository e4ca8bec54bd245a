import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import git from 'isomorphic-git';
import * as fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../electron/core/create-core.js';
import { formatAttribution, newQnaText } from '../../electron/shared/taxonomy/index.js';
import { connectMemory } from '../helpers/memory-client.js';
import { rejection } from '../helpers/rejection.js';
import { tempDir } from '../helpers/temp-dir.js';

const FIX = path.resolve('test/fixtures/taxonomy/valid');
const phoenix = readFileSync(path.join(FIX, 'knowledge-phoenix.yaml'), 'utf8');
const haiku = readFileSync(path.join(FIX, 'compositional-haiku.yaml'), 'utf8');
const author = { name: 'Ada Tester', email: 'ada@example.com' };

describe('taxonomy over the API, on real git repositories', () => {
  const dir = tempDir();
  let core: Core;
  let conn: ReturnType<typeof connectMemory>;
  const root = path.join(dir.path, 'data', 'taxonomy');
  const events: string[] = [];

  beforeAll(async () => {
    core = await createCore({ dataDir: path.join(dir.path, 'data') });
    conn = connectMemory(core);
    conn.api.on('taxonomy.changed', (e) => events.push(e.reason));
  });
  afterAll(async () => {
    conn.close();
    await core.dispose();
    dir.remove();
  });

  it('has no taxonomy at first, and refuses to open a folder that is not a git repo', async () => {
    expect(await conn.api.call('taxonomy.current', {})).toBeNull();
    const plain = path.join(dir.path, 'plain');
    mkdirSync(plain);
    const e = await rejection(conn.api.call('taxonomy.open', { path: plain }));
    expect(e.code).toBe('NOT_A_GIT_REPO');
    expect(e.hint).toMatch(/\.git folder/);
    expect((await rejection(conn.api.call('taxonomy.tree', {}))).code).toBe('NOT_FOUND');
  });

  it('creates a taxonomy from the template: three folders with READMEs, one commit on main', async () => {
    const info = await conn.api.call('taxonomy.create', {});
    expect(info).toMatchObject({ root, branch: 'main', dirtyFiles: 0, merging: false });
    for (const f of ['knowledge', 'compositional_skills', 'foundational_skills'])
      expect(existsSync(path.join(root, f, 'README.md'))).toBe(true);
    const log = await conn.api.call('taxonomy.log', {});
    expect(log).toHaveLength(1);
    expect(info.defaultBase).toBe(log[0]!.oid.slice(0, 12));
    expect(events).toContain('created');
    // The git CLI is not needed, but the result must be a normal repository.
    expect(await git.currentBranch({ fs, dir: root })).toBe('main');
    const again = await rejection(conn.api.call('taxonomy.create', {}));
    expect(again.code).toBe('CONFLICT');
    expect(again.hint).toMatch(/open it instead/);
  });

  it('creates a knowledge entry, saves with cosmetic fixes, validates, and lists it as a new leaf', async () => {
    const qna = newQnaText({ kind: 'knowledge', created_by: 'ada', domain: 'astronomy' });
    const entry = await conn.api.call('taxonomy.createEntry', {
      path: 'knowledge/science/astronomy/phoenix',
      qna,
      attribution: formatAttribution({
        title: 'Phoenix',
        link: 'https://example.org',
        revision: '1',
        license: 'CC-BY-SA-4.0',
        creators: 'Ada',
      }),
    });
    expect(entry.qnaPath).toBe('knowledge/science/astronomy/phoenix/qna.yaml');
    const tree = await conn.api.call('taxonomy.tree', {});
    const leaf = tree.entries.find((e) => e.path === 'knowledge/science/astronomy/phoenix')!;
    expect(leaf).toMatchObject({
      type: 'leaf',
      kind: 'knowledge',
      hasAttribution: true,
      leafId: 'knowledge->science->astronomy->phoenix',
    });
    const dup = await rejection(
      conn.api.call('taxonomy.createEntry', { path: 'knowledge/science/astronomy/phoenix', qna }),
    );
    expect(dup.code).toBe('CONFLICT');

    const read = await conn.api.call('taxonomy.read', { path: entry.qnaPath });
    const saved = await conn.api.call('taxonomy.write', {
      path: entry.qnaPath,
      text: `${phoenix.replace('domain: astronomy', 'domain: astronomy   ')}\n\n`,
      ifMatch: read.etag,
    });
    expect(saved.text).toBe(phoenix);
    expect(saved.fixes).toEqual(expect.arrayContaining(['removed trailing spaces']));
    expect(saved.findings).toEqual([]);

    const all = await conn.api.call('taxonomy.validateAll', {});
    expect(all).toMatchObject({ files: 1, errors: 0 });

    const diff = await conn.api.call('taxonomy.diff', {});
    expect(diff.leaves).toEqual([
      expect.objectContaining({
        path: entry.qnaPath,
        change: 'added',
        where: 'untracked',
        reason: 'new file, not committed yet',
        kind: 'knowledge',
      }),
    ]);
    const status = await conn.api.call('taxonomy.status', {});
    expect(status.files.map((f) => [f.path, f.status])).toEqual([
      ['knowledge/science/astronomy/phoenix/attribution.txt', 'untracked'],
      [entry.qnaPath, 'untracked'],
    ]);
  });

  it('refuses a stale save and paths outside the root, overwriting nothing', async () => {
    const p = 'knowledge/science/astronomy/phoenix/qna.yaml';
    const stale = await rejection(conn.api.call('taxonomy.write', { path: p, text: 'x: 1\n', ifMatch: 'deadbeef' }));
    expect(stale.code).toBe('CONFLICT');
    expect(readFileSync(path.join(root, p), 'utf8')).toBe(phoenix);
    for (const bad of ['../outside.yaml', '/etc/passwd.yaml', 'knowledge/../../x.yaml', '.git/config.yaml']) {
      expect((await rejection(conn.api.call('taxonomy.write', { path: bad, text: 'a: 1\n' }))).code).toBe(
        'PATH_OUTSIDE_ROOT',
      );
      expect((await rejection(conn.api.call('taxonomy.read', { path: bad }))).code).toBe('PATH_OUTSIDE_ROOT');
    }
    const outside = path.join(dir.path, 'outside');
    mkdirSync(outside);
    writeFileSync(path.join(outside, 'secret.txt'), 'secret');
    symlinkSync(outside, path.join(root, 'knowledge', 'escape'));
    expect((await rejection(conn.api.call('taxonomy.read', { path: 'knowledge/escape/secret.txt' }))).code).toBe(
      'PATH_OUTSIDE_ROOT',
    );
    expect(
      (await rejection(conn.api.call('taxonomy.write', { path: 'knowledge/escape/qna.yaml', text: 'a: 1\n' }))).code,
    ).toBe('PATH_OUTSIDE_ROOT');
    expect(existsSync(path.join(outside, 'qna.yaml'))).toBe(false);
    const tree = await conn.api.call('taxonomy.tree', {});
    expect(tree.entries.find((e) => e.path === 'knowledge')?.problem).toMatch(/symbolic link.*escape/);
    fs.rmSync(path.join(root, 'knowledge', 'escape'));
  });

  it('refuses files over 1 MiB on read and write with a clear message', async () => {
    const big = `a: |\n${'  lorem ipsum dolor sit amet\n'.repeat(50_000)}`;
    const w = await rejection(
      conn.api.call('taxonomy.write', { path: 'compositional_skills/big/qna.yaml', text: big }),
    );
    expect(w.code).toBe('FILE_TOO_LARGE');
    expect(w.message).toMatch(/at most 1 MiB/);
    expect(existsSync(path.join(root, 'compositional_skills/big'))).toBe(false);
    mkdirSync(path.join(root, 'compositional_skills/big'));
    writeFileSync(path.join(root, 'compositional_skills/big/qna.yaml'), big);
    expect((await rejection(conn.api.call('taxonomy.read', { path: 'compositional_skills/big/qna.yaml' }))).code).toBe(
      'FILE_TOO_LARGE',
    );
    const all = await conn.api.call('taxonomy.validateAll', {});
    expect(all.findings.find((f) => f.file === 'compositional_skills/big/qna.yaml')?.message).toMatch(/1 MiB/);
    fs.rmSync(path.join(root, 'compositional_skills/big'), { recursive: true });
  });

  it('commits with an author, then reports the leaf as committed, edited, and shows a file diff', async () => {
    const c = await conn.api.call('taxonomy.commit', { message: 'Add Phoenix knowledge', author });
    expect(c).toMatchObject({ message: 'Add Phoenix knowledge', author });
    expect(await conn.api.call('taxonomy.author', {})).toEqual(author);
    expect((await conn.api.call('taxonomy.status', {})).files).toEqual([]);
    const nothing = await rejection(conn.api.call('taxonomy.commit', { message: 'again' }));
    expect(nothing.message).toMatch(/Nothing to commit/);

    let diff = await conn.api.call('taxonomy.diff', {});
    expect(diff.leaves[0]).toMatchObject({ where: 'committed', change: 'added' });
    expect(diff.leaves[0]!.reason).toMatch(/^added in a commit since [0-9a-f]{12}$/);

    const p = 'knowledge/science/astronomy/phoenix/qna.yaml';
    const r = await conn.api.call('taxonomy.read', { path: p });
    await conn.api.call('taxonomy.write', {
      path: p,
      text: r.text.replace('domain: astronomy', 'domain: space'),
      ifMatch: r.etag,
    });
    diff = await conn.api.call('taxonomy.diff', {});
    expect(diff.leaves[0]).toMatchObject({ where: 'both', change: 'added' });
    const patch = await conn.api.call('taxonomy.fileDiff', { path: p });
    expect(patch.patch).toContain('-domain: astronomy\n+domain: space');

    // Relative to the last commit, the same leaf counts as modified with uncommitted edits.
    diff = await conn.api.call('taxonomy.diff', { base: c.oid });
    expect(diff.leaves[0]).toMatchObject({
      where: 'uncommitted',
      change: 'modified',
      reason: 'edited, the edits are not committed yet',
    });
    expect((await conn.api.call('taxonomy.diff', { base: 'empty' })).leaves).toHaveLength(1);
    expect((await rejection(conn.api.call('taxonomy.diff', { base: 'no-such-branch' }))).code).toBe('NOT_FOUND');
    await conn.api.call('taxonomy.commit', { message: 'Rename domain' });
  });

  it('diffs against origin/main like ilab: fork point, skipped foundational skills, qna.yml and deletions', async () => {
    const head = (await conn.api.call('taxonomy.log', {}))[0]!.oid;
    await git.writeRef({ fs, dir: root, ref: 'refs/remotes/origin/main', value: head });
    expect((await conn.api.call('taxonomy.current', {}))!.defaultBase).toBe('origin/main');
    expect((await conn.api.call('taxonomy.diff', {})).leaves).toEqual([]);

    await conn.api.call('taxonomy.createEntry', { path: 'compositional_skills/writing/haiku', qna: haiku });
    await conn.api.call('taxonomy.createEntry', { path: 'foundational_skills/math/add', qna: haiku });
    mkdirSync(path.join(root, 'compositional_skills/writing/limerick'));
    writeFileSync(path.join(root, 'compositional_skills/writing/limerick/qna.yml'), haiku);
    fs.rmSync(path.join(root, 'knowledge/science/astronomy/phoenix/qna.yaml'));
    const diff = await conn.api.call('taxonomy.diff', {});
    expect(diff.forkPoint).toBe(head);
    expect(diff.leaves.map((l) => [l.path, l.where, l.kind])).toEqual([
      ['compositional_skills/writing/haiku/qna.yaml', 'untracked', 'compositional_skill'],
    ]);
    const reasons = Object.fromEntries(diff.skipped.map((s) => [s.path, s.reason]));
    expect(reasons['foundational_skills/math/add/qna.yaml']).toMatch(/not used to generate training data/);
    expect(reasons['compositional_skills/writing/limerick/qna.yml']).toMatch(/Rename it/);
    expect(reasons['knowledge/science/astronomy/phoenix/qna.yaml']).toMatch(/deleted/);
    await git.checkout({ fs, dir: root, filepaths: ['knowledge/science/astronomy/phoenix/qna.yaml'], force: true });
  });

  it('branches: refuses to switch with a dirty tree, switches when clean', async () => {
    const p = path.join(root, 'knowledge/science/astronomy/phoenix/qna.yaml');
    writeFileSync(p, readFileSync(p, 'utf8').replace('domain: space', 'domain: stars'));
    const dirty = await rejection(conn.api.call('taxonomy.createBranch', { name: 'feature' }));
    expect(dirty.code).toBe('CONFLICT');
    expect(dirty.message).toMatch(/uncommitted change/);
    await conn.api.call('taxonomy.commit', { message: 'Add skills' });
    const info = await conn.api.call('taxonomy.createBranch', { name: 'feature' });
    expect(info.branch).toBe('feature');
    expect((await rejection(conn.api.call('taxonomy.createBranch', { name: 'bad name' }))).code).toBe(
      'INVALID_REQUEST',
    );
    const b = await conn.api.call('taxonomy.branches', {});
    expect(b).toEqual({ current: 'feature', local: ['feature', 'main'], remote: ['origin/main'] });
    expect((await conn.api.call('taxonomy.checkout', { branch: 'main' })).branch).toBe('main');
    expect((await rejection(conn.api.call('taxonomy.checkout', { branch: 'nope' }))).code).toBe('NOT_FOUND');
  });

  it('refuses to commit during an unfinished merge', async () => {
    const head = (await conn.api.call('taxonomy.log', {}))[0]!.oid;
    writeFileSync(path.join(root, '.git', 'MERGE_HEAD'), `${head}\n`);
    writeFileSync(path.join(root, 'compositional_skills/writing/haiku/qna.yaml'), `${haiku}<<<<<<< HEAD\n`);
    expect((await conn.api.call('taxonomy.current', {}))!.merging).toBe(true);
    const e = await rejection(conn.api.call('taxonomy.commit', { message: 'x' }));
    expect(e.code).toBe('GIT_CONFLICT');
    expect(e.hint).toMatch(/nothing was changed/);
    const v = await conn.api.call('taxonomy.validateAll', {});
    expect(v.errors).toBeGreaterThan(0);
    fs.rmSync(path.join(root, '.git', 'MERGE_HEAD'));
    writeFileSync(path.join(root, 'compositional_skills/writing/haiku/qna.yaml'), haiku);
  });

  it('adds a text document to the documents repo and fills the document block, keeping comments', async () => {
    const p = 'knowledge/science/astronomy/phoenix/qna.yaml';
    const added = await conn.api.call('taxonomy.addDocument', {
      entry: 'knowledge/science/astronomy/phoenix',
      fileName: 'Phoenix Notes.txt',
      content: '# Phoenix\n\nA constellation.\n',
    });
    const docs = path.join(dir.path, 'data', 'documents');
    expect(added.repo).toBe(docs);
    expect(added.pattern).toBe('knowledge/science/astronomy/phoenix/phoenix_notes.md');
    expect(readFileSync(path.join(docs, added.pattern), 'utf8')).toBe('# Phoenix\n\nA constellation.\n');
    expect(await git.resolveRef({ fs, dir: docs, ref: 'HEAD' })).toBe(added.commit);
    expect(added.qna.text).toContain('# Knowledge about the Phoenix constellation');
    expect(added.qna.text).toContain(
      `  repo: ${docs}\n  commit: ${added.commit}\n  patterns:\n    - ${added.pattern}\n`,
    );
    expect(readFileSync(path.join(root, p), 'utf8')).toBe(added.qna.text);
    const bad = await rejection(
      conn.api.call('taxonomy.addDocument', { entry: p, fileName: 'slides.pptx', content: 'x' }),
    );
    expect(bad.code).toBe('INVALID_REQUEST');
  });

  it('opens another clone and remembers it', async () => {
    const other = path.join(dir.path, 'other');
    await git.init({ fs, dir: other, defaultBranch: 'main' });
    const info = await conn.api.call('taxonomy.open', { path: other });
    expect(info).toMatchObject({ root: other, head: null, defaultBase: 'empty' });
    expect(await conn.api.call('taxonomy.log', {})).toEqual([]);
    expect((await conn.api.call('taxonomy.tree', {})).entries).toEqual([]);
    expect(core.taxonomy.defaultRoot).toBe(root);
  });
});
