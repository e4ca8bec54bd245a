import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as fs from 'node:fs';
import path from 'node:path';
import git from 'isomorphic-git';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../electron/core/cli/main.js';
import { TaxonomyRepo } from '../../electron/core/taxonomy/taxonomy-repo.js';
import { tempDir } from '../helpers/temp-dir.js';

const FIX = path.resolve('test/fixtures/taxonomy');
const author = { name: 'Ada', email: 'ada@example.com' };

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('labforge taxonomy', () => {
  const dir = tempDir();
  afterAll(() => dir.remove());
  const data = path.join(dir.path, 'data');
  const root = path.join(data, 'taxonomy');

  it('validates the default taxonomy under --data-dir: exit 0 when clean', async () => {
    await TaxonomyRepo.create(root, author);
    mkdirSync(path.join(root, 'knowledge/astronomy/phoenix'), { recursive: true });
    writeFileSync(
      path.join(root, 'knowledge/astronomy/phoenix/qna.yaml'),
      readFileSync(path.join(FIX, 'valid/knowledge-phoenix.yaml')),
    );
    writeFileSync(path.join(root, 'knowledge/astronomy/phoenix/attribution.txt'), 'Title of work: Phoenix\n');
    const r = await cli(['taxonomy', 'validate', '--data-dir', data]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/1 qna.yaml file checked .*: 0 errors, 0 warnings\./);
  });

  it('exits 1 with a JSON list of {file, line, column, severity, message} when there are errors', async () => {
    mkdirSync(path.join(root, 'compositional_skills/haiku'), { recursive: true });
    writeFileSync(
      path.join(root, 'compositional_skills/haiku/qna.yaml'),
      readFileSync(path.join(FIX, 'invalid/compositional-too-few-seeds.yaml')),
    );
    writeFileSync(path.join(root, 'compositional_skills/haiku/attribution.txt'), 'x\n');
    const r = await cli(['taxonomy', 'validate', '--taxonomy', root, '--json']);
    expect(r.code).toBe(1);
    const list = JSON.parse(r.out) as Array<Record<string, unknown>>;
    expect(list).toEqual([
      expect.objectContaining({ file: 'compositional_skills/haiku/qna.yaml', line: 6, column: 1, severity: 'error' }),
    ]);
    expect(Object.keys(list[0]!).sort()).toEqual(['column', 'file', 'line', 'message', 'severity']);
    const human = await cli(['taxonomy', 'validate', '--taxonomy', root]);
    expect(human.out).toContain(
      'ERROR: compositional_skills/haiku/qna.yaml:6:1 [seed_examples] "seed_examples" needs at least 5 seed examples; it has 4.',
    );
  });

  it('--fix repairs cosmetic lint in place', async () => {
    const f = path.join(root, 'knowledge/astronomy/phoenix/qna.yaml');
    const good = readFileSync(f, 'utf8');
    writeFileSync(f, `${good.replace('domain: astronomy', 'domain: astronomy  ')}\n`);
    const before = await cli(['taxonomy', 'validate', '--taxonomy', root]);
    expect(before.out).toMatch(/can be repaired with --fix/);
    await cli(['taxonomy', 'validate', '--taxonomy', root, '--fix']);
    expect(readFileSync(f, 'utf8')).toBe(good);
  });

  it('diffs against the first commit without origin/main, and names why', async () => {
    const r = await cli(['taxonomy', 'diff', '--taxonomy', root]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/These 2 leaves will be trained:/);
    expect(r.out).toMatch(/knowledge\/astronomy\/phoenix\/qna.yaml +knowledge, because: new file, not committed yet/);
    const j = JSON.parse((await cli(['taxonomy', 'diff', '--taxonomy', root, '--json'])).out) as {
      leaves: unknown[];
      base: string;
    };
    expect(j.leaves).toHaveLength(2);
    const head = await git.resolveRef({ fs, dir: root, ref: 'HEAD' });
    const none = await cli(['taxonomy', 'diff', '--taxonomy', root, '--base', 'HEAD']);
    expect(none.out).toContain('These 2 leaves');
    expect(head).toMatch(/^[0-9a-f]{40}$/);
  });

  it('fails with one clear line for a folder that is not a git repo, or a missing one', async () => {
    const plain = path.join(dir.path, 'plain');
    mkdirSync(plain);
    const r = await cli(['taxonomy', 'diff', '--taxonomy', plain]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/is not a git repository/);
    const m = await cli(['taxonomy', 'validate', '--taxonomy', path.join(dir.path, 'missing')]);
    expect(m.code).toBe(1);
    expect(m.err).toMatch(/There is no taxonomy folder/);
    expect((await cli(['taxonomy', 'frob'])).code).toBe(2);
  });
});
