import { z } from 'zod';
import { event, rpc } from './define.js';

const relPath = z.string().min(1).max(1024);

export const findingSchema = z.object({
  file: z.string(),
  line: z.number(),
  column: z.number(),
  severity: z.enum(['error', 'warning', 'info']),
  message: z.string(),
  rule: z.string(),
  path: z.string().optional(),
  fixable: z.boolean().optional(),
  from: z.number().optional(),
  to: z.number().optional(),
});
export type FindingInfo = z.infer<typeof findingSchema>;

export const qnaKindSchema = z.enum(['knowledge', 'compositional_skill', 'foundational_skill']);

export const qnaStatsSchema = z.object({
  kind: qnaKindSchema,
  seeds: z.array(
    z.object({
      index: z.number(),
      line: z.number(),
      contextWords: z.number(),
      qnaWords: z.number(),
      qnaPairs: z.number(),
      questionChars: z.number(),
      answerChars: z.number(),
    }),
  ),
  totalWords: z.number(),
  grounded: z.boolean(),
});

export const taxonomyInfoSchema = z.object({
  root: z.string(),
  branch: z.string().nullable(),
  /** The commit HEAD points at; null in a repository without commits. */
  head: z.string().nullable(),
  /** Files changed and not committed (qna.yaml, attribution.txt, anything tracked). */
  dirtyFiles: z.number(),
  /** True while a merge is unfinished (MERGE_HEAD exists): committing is refused until it is resolved. */
  merging: z.boolean(),
  /** The base `taxonomy.diff` uses when none is given. */
  defaultBase: z.string(),
});
export type TaxonomyInfo = z.infer<typeof taxonomyInfoSchema>;

export const treeEntrySchema = z.object({
  /** Relative to the root, `/` separated; for a leaf, the folder holding qna.yaml. */
  path: z.string(),
  type: z.enum(['dir', 'leaf']),
  kind: qnaKindSchema.nullable(),
  /** `knowledge->science->astronomy` */
  leafId: z.string(),
  hasAttribution: z.boolean(),
  /** Other files in a leaf folder (documents, images). */
  files: z.array(z.string()),
  /** A qna.yml (wrong extension) that upstream skips, or a symlink LabForge does not follow. */
  problem: z.string().nullable(),
});
export type TreeEntryInfo = z.infer<typeof treeEntrySchema>;

export const fileContentSchema = z.object({
  path: z.string(),
  text: z.string(),
  /** Pass back to `taxonomy.write` as `ifMatch` so an edit made elsewhere is never overwritten. */
  etag: z.string(),
});

export const validationSchema = z.object({
  findings: z.array(findingSchema),
  kind: qnaKindSchema,
  stats: qnaStatsSchema.nullable(),
  /** The schema version the file was checked against (its own `version`, 1 when missing); null when it did not parse. */
  version: z.number().nullable(),
  /** Whether ilab (instructlab-schema as ilab and its SDG call it) would accept the file as it is on disk. */
  ilabAccepts: z.boolean(),
});

export const fileStatusSchema = z.object({
  path: z.string(),
  status: z.enum(['added', 'modified', 'deleted', 'untracked']),
  staged: z.boolean(),
});

export const diffLeafSchema = z.object({
  /** The qna.yaml, relative to the root. */
  path: z.string(),
  leafId: z.string(),
  kind: qnaKindSchema,
  change: z.enum(['added', 'modified']),
  /** Whether the change is committed, only in the working tree, or both. */
  where: z.enum(['committed', 'uncommitted', 'both', 'untracked']),
  /** "new file, not committed yet", "changed since origin/main (committed in 3f2a1b0)". */
  reason: z.string(),
});
export type DiffLeafInfo = z.infer<typeof diffLeafSchema>;

export const taxonomyDiffSchema = z.object({
  base: z.string(),
  baseOid: z.string().nullable(),
  /** The first commit on HEAD's first-parent line that the base also contains. */
  forkPoint: z.string().nullable(),
  /** The leaves a run would train on. */
  leaves: z.array(diffLeafSchema),
  /** Changed files that will NOT be trained, each with why. */
  skipped: z.array(z.object({ path: z.string(), reason: z.string() })),
});
export type TaxonomyDiffInfo = z.infer<typeof taxonomyDiffSchema>;

export const commitInfoSchema = z.object({
  oid: z.string(),
  message: z.string(),
  author: z.object({ name: z.string(), email: z.string() }),
  time: z.number(),
});
export type CommitInfo = z.infer<typeof commitInfoSchema>;

export const authorSchema = z.object({ name: z.string().min(1).max(200), email: z.string().min(3).max(200) });

export const taxonomyContract = {
  /** The taxonomy open now (the last one opened, else `<data dir>/taxonomy` when it exists), or null. */
  'taxonomy.current': rpc(z.object({}), taxonomyInfoSchema.nullable()),
  /** Opens an existing taxonomy clone; refuses a folder that is not a git repository (NOT_A_GIT_REPO). */
  'taxonomy.open': rpc(z.object({ path: z.string().min(1) }), taxonomyInfoSchema),
  /** Creates a new taxonomy from the template (three top folders with READMEs) as a git repo with one commit; never writes into a non-empty folder. */
  'taxonomy.create': rpc(
    z.object({ path: z.string().min(1).optional(), author: authorSchema.optional() }),
    taxonomyInfoSchema,
  ),
  /** Every folder of the open taxonomy, leaves (folders with a qna.yaml) marked. */
  'taxonomy.tree': rpc(z.object({}), z.object({ root: z.string(), entries: z.array(treeEntrySchema) })),
  /** Reads a text file inside the taxonomy (qna.yaml, attribution.txt, README.md). */
  'taxonomy.read': rpc(z.object({ path: relPath }), fileContentSchema),
  /**
   * Writes a text file inside the taxonomy (refuses paths outside it), repairing cosmetic lint
   * (trailing spaces, blank lines at the end, CRLF) in qna.yaml first; CONFLICT when `ifMatch` is
   * stale. Returns the saved text, what was repaired and the findings.
   */
  'taxonomy.write': rpc(
    z.object({
      path: relPath,
      text: z.string(),
      ifMatch: z.string().nullable().optional(),
      createOnly: z.boolean().default(false),
    }),
    fileContentSchema.extend({ fixes: z.array(z.string()), findings: z.array(findingSchema) }),
  ),
  /** Validates one qna.yaml's text (as you type): YAML, upstream's strict lint, schema v3, limits. */
  'taxonomy.validate': rpc(z.object({ path: relPath, text: z.string() }), validationSchema),
  /** Validates every qna.yaml under knowledge/ and compositional_skills/ (what a run reads). */
  'taxonomy.validateAll': rpc(
    z.object({}),
    z.object({
      files: z.number(),
      errors: z.number(),
      warnings: z.number(),
      /** qna.yaml files that ilab (instructlab-schema) would refuse as they are on disk. */
      ilabRefused: z.number(),
      findings: z.array(findingSchema),
    }),
  ),
  /** Creates a leaf folder with a qna.yaml (and attribution.txt); CONFLICT when it exists. */
  'taxonomy.createEntry': rpc(
    z.object({ path: relPath, qna: z.string(), attribution: z.string().optional() }),
    z.object({ path: z.string(), qnaPath: z.string() }),
  ),
  /** Uncommitted changes of the working tree. */
  'taxonomy.status': rpc(z.object({}), z.object({ info: taxonomyInfoSchema, files: z.array(fileStatusSchema) })),
  /** The leaves a run trains on, as `ilab taxonomy diff` selects them, each with the reason. `base`: a ref, or `empty` for all. */
  'taxonomy.diff': rpc(z.object({ base: z.string().min(1).max(256).optional() }), taxonomyDiffSchema),
  /** Unified text diff of one file between HEAD and the working tree. */
  'taxonomy.fileDiff': rpc(z.object({ path: relPath }), z.object({ path: z.string(), patch: z.string() })),
  /** Stages every change (or `paths`) and commits; GIT_CONFLICT during an unfinished merge. */
  'taxonomy.commit': rpc(
    z.object({
      message: z.string().min(1).max(10_000),
      author: authorSchema.optional(),
      paths: z.array(relPath).optional(),
    }),
    commitInfoSchema,
  ),
  /** Commits reachable from HEAD (or `ref`), newest first. */
  'taxonomy.log': rpc(
    z.object({ ref: z.string().optional(), limit: z.number().int().min(1).max(1000).default(50) }),
    z.array(commitInfoSchema),
  ),
  /** Local and remote-tracking branches and the current one. */
  'taxonomy.branches': rpc(
    z.object({}),
    z.object({ current: z.string().nullable(), local: z.array(z.string()), remote: z.array(z.string()) }),
  ),
  /** Creates a branch at HEAD and, unless `checkout` is false, switches to it. */
  'taxonomy.createBranch': rpc(
    z.object({ name: z.string().min(1).max(200), checkout: z.boolean().default(true) }),
    taxonomyInfoSchema,
  ),
  /** Switches branch; refused (CONFLICT) while there are uncommitted changes, so nothing is overwritten. */
  'taxonomy.checkout': rpc(z.object({ branch: z.string().min(1).max(200) }), taxonomyInfoSchema),
  /** The author used for commits when none is given (remembered from the last commit). */
  'taxonomy.author': rpc(z.object({}), authorSchema.nullable()),
  /**
   * Adds a Markdown or text document (text becomes .md, which InstructLab reads) to the documents
   * repo under the data dir, commits it, and fills the qna.yaml `document:` block (repo, commit,
   * patterns) of `entry`, keeping its comments. Returns the updated qna.yaml.
   */
  'taxonomy.addDocument': rpc(
    z.object({ entry: relPath, fileName: z.string().min(1).max(255), content: z.string().max(20 * 1024 * 1024) }),
    z.object({ repo: z.string(), commit: z.string(), pattern: z.string(), qna: fileContentSchema }),
  ),
  /** The open taxonomy changed (a write, a commit, a branch switch, another taxonomy opened). */
  'taxonomy.changed': event(z.object({ root: z.string(), reason: z.string() })),
} as const;
