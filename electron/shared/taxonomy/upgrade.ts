import { isMap, isScalar, isSeq, Pair, parseDocument, Scalar, YAMLMap, YAMLSeq } from 'yaml';
import { fixCosmetic } from './lint.js';
import { QNA_LIMITS, type Finding, type ValidationResult } from './types.js';
import { CURRENT_VERSION, type VersionRules } from './versions.js';

export interface UpgradeResult {
  text: string;
  /** What was changed, in words ("set version: 3", ...); empty when nothing could be done. */
  changes: string[];
}

/** True when the file uses an older schema version that `upgradeQna` can bring to version 3. */
export const canUpgrade = (r: Pick<ValidationResult, 'version'>): boolean =>
  r.version !== null && r.version >= 1 && r.version < CURRENT_VERSION;

const kindOfPath = (file: string): string => file.replace(/\\/g, '/').split('/')[0] ?? '';

/**
 * Brings a version 1 or 2 qna.yaml to version 3 as far as a program can: sets `version: 3`, repairs
 * what yamllint (which runs from version 2 on) would refuse and LabForge repairs on save, and for
 * knowledge renames `task_description` to `document_outline` and regroups the old question/answer
 * seeds by three under an empty `context` for the author to fill in with the document's excerpt.
 * Skills keep their text byte for byte apart from the version line and those repairs.
 */
export function upgradeQna(text: string, file: string): UpgradeResult {
  const changes: string[] = [];
  const cosmetic = fixCosmetic(text);
  let t = cosmetic.text;
  // The YAML 1.2 core schema here: the restructuring needs no types, and it stringifies back faithfully.
  const doc = parseDocument(t, { uniqueKeys: false });
  if (doc.errors.length > 0 || !isMap(doc.contents)) return { text, changes: [] };
  const root = doc.contents;
  const knowledge =
    kindOfPath(file) === 'knowledge' || (kindOfPath(file) !== 'compositional_skills' && root.has('document'));
  if (knowledge) {
    upgradeKnowledge(root, changes);
    t = doc.toString({ lineWidth: 0, indentSeq: !/^(\s*)[\w-]+:[ \t]*\n\1- /m.test(t) });
  } else {
    const v = root.get('version', true);
    if (isScalar(v) && v.range) {
      const current: unknown = v.value;
      if (current !== CURRENT_VERSION) {
        t = `${t.slice(0, v.range[0])}${CURRENT_VERSION}${t.slice(v.range[1])}`;
        changes.push(`set "version: ${CURRENT_VERSION}"`);
      }
    } else if (v === undefined) {
      const first = root.items[0]?.key;
      const at = isScalar(first) && first.range ? first.range[0] : 0;
      t = `${t.slice(0, at)}version: ${CURRENT_VERSION}\n${t.slice(at)}`;
      changes.push(`added "version: ${CURRENT_VERSION}"`);
    }
  }
  const after = fixCosmetic(t);
  changes.push(...new Set([...cosmetic.fixes, ...after.fixes]));
  return { text: after.text, changes };
}

function upgradeKnowledge(root: YAMLMap, changes: string[]): void {
  const version = root.items.find((p) => isScalar(p.key) && p.key.value === 'version');
  if (version) version.value = new Scalar(CURRENT_VERSION);
  else root.items.unshift(new Pair(new Scalar('version'), new Scalar(CURRENT_VERSION)));
  changes.push(`set "version: ${CURRENT_VERSION}"`);
  const task = root.items.find((p) => isScalar(p.key) && p.key.value === 'task_description');
  if (task && !root.has('document_outline')) {
    task.key = new Scalar('document_outline');
    changes.push('renamed "task_description" to "document_outline"');
  }
  const seeds = root.get('seed_examples', true);
  if (!isSeq(seeds)) return;
  const old = seeds.items.filter(
    (s): s is YAMLMap => isMap(s) && s.has('question') && !s.has('questions_and_answers') && !s.has('context'),
  );
  if (old.length === 0 || old.length !== seeds.items.length) return;
  const grouped = new YAMLSeq();
  for (let i = 0; i < old.length; i += QNA_LIMITS.minQnaPairs) {
    const seed = new YAMLMap();
    const ctx = new Scalar('');
    ctx.comment = ' an excerpt of the document that answers the questions below';
    seed.items.push(new Pair(new Scalar('context'), ctx));
    const pairs = new YAMLSeq();
    pairs.items.push(...old.slice(i, i + QNA_LIMITS.minQnaPairs));
    seed.items.push(new Pair(new Scalar('questions_and_answers'), pairs));
    grouped.items.push(seed);
  }
  root.set('seed_examples', grouped);
  changes.push(
    `regrouped ${old.length} question/answer seeds into ${grouped.items.length} seed example${grouped.items.length > 1 ? 's' : ''}, each with a "context" to fill in`,
  );
}

const lineOfVersion = (text: string): number => {
  const m = /^version[ \t]*:/m.exec(text);
  return m ? text.slice(0, m.index).split('\n').length : 1;
};

/**
 * The note on a skill written for an older schema version: what ilab makes of it now, and what
 * upgrading to version 3 takes.
 */
export function oldVersionFinding(
  text: string,
  file: string,
  rules: VersionRules,
  hadVersion: boolean,
  /** What would still refuse the file under version 3 once the upgrade has repaired the layout. */
  left: Finding[],
  repairsLayout: boolean,
): Finding {
  const todo: string[] = [];
  const counted = new Set<Finding>();
  const take = (pick: (f: Finding) => boolean): Finding[] => {
    const hit = left.filter((f) => !counted.has(f) && pick(f));
    for (const f of hit) counted.add(f);
    return hit;
  };
  const [seeds] = take((f) => f.rule === 'schema.min-items' && f.path === 'seed_examples');
  if (seeds) {
    const has = Number(/it has (\d+)/.exec(seeds.message)?.[1] ?? 0);
    todo.push(
      `${QNA_LIMITS.minSeedExamples - has} more seed examples (version 3 needs at least ${QNA_LIMITS.minSeedExamples})`,
    );
  }
  if (take((f) => f.path === 'task_description' && f.rule === 'schema.min-length').length)
    todo.push('a task description (it may not be empty in version 3)');
  if (take((f) => f.rule === 'schema.unique').length) todo.push('no two identical seed examples');
  const lint = take((f) => f.rule.startsWith('lint.') || f.rule.startsWith('yaml.')).length;
  if (lint) todo.push(`${lint} yamllint problem${lint > 1 ? 's' : ''} fixed (shown as notes)`);
  const other = left.length - counted.size;
  if (other > 0) todo.push(`${other} other problem${other > 1 ? 's' : ''} fixed`);
  const what =
    rules.version === 1
      ? `Schema version 1${hadVersion ? '' : ' (there is no "version" key)'}: ilab still reads it by the old rules (1 seed example is enough, task_description may be empty, no yamllint).`
      : 'Schema version 2: ilab still reads it.';
  const line = hadVersion ? lineOfVersion(text) : 1;
  return {
    file,
    line,
    column: 1,
    severity: 'warning',
    rule: 'schema.old-version',
    message: `${what} Version 3 is current: "Upgrade to version 3" sets "version: 3"${repairsLayout ? ' and repairs the layout' : ''}; ${todo.length ? `then it needs ${todo.join(', ')}.` : 'nothing else is needed.'}`,
  };
}
