import { promises as fs } from 'node:fs';
import path from 'node:path';
import git from 'isomorphic-git';
import { setDocumentBlock } from '../../electron/core/taxonomy/documents-repo.js';
import { judgeReply } from './fake-judge.js';
import type { ReplyContext } from './fake-openai-server.js';

/** A fact no base model can know: the question and the answer whose longest word the judge looks for. */
export const FACT = {
  question: 'What is the capital of Olmar?',
  answer: 'The capital of Olmar is Zenquaribel.',
  keyword: 'Zenquaribel',
};

const DOC = [
  '# Olmar',
  'Olmar is a small island nation in a story. The capital of Olmar is Zenquaribel.',
  'Zenquaribel sits on the northern bay of Olmar.',
].join('\n\n');

/** Ways the teacher asks the fact, so de-duplication keeps several distinct questions. */
const PHRASINGS = [
  FACT.question,
  'Which city is the capital of Olmar?',
  'Name the capital of Olmar.',
  'What city is the capital of Olmar?',
  'Tell me the capital of Olmar.',
  'What is the capital city of Olmar?',
];

const author = { name: 'Test', email: 'test@example.com' };

async function commitAll(dir: string, message: string): Promise<string> {
  await git.add({ fs, dir, filepath: '.' });
  return git.commit({ fs, dir, message, author });
}

const seed = (i: number): string =>
  [
    `  - context: |`,
    `      Olmar is a small island nation in a story, number ${i + 1}. The capital of Olmar is Zenquaribel.`,
    `    questions_and_answers:`,
    `      - question: |`,
    `          ${PHRASINGS[i % PHRASINGS.length]}`,
    `        answer: |`,
    `          ${FACT.answer}`,
    `      - question: |`,
    `          Where does Zenquaribel sit, story ${i + 1}?`,
    `        answer: |`,
    `          In story ${i + 1}, Zenquaribel sits on bay number ${i + 1} of Olmar.`,
    `      - question: |`,
    `          What kind of place is Olmar, story ${i + 1}?`,
    `        answer: |`,
    `          In story ${i + 1}, Olmar is an island nation with ${i + 3} rivers.`,
  ].join('\n');

export interface FactTaxonomy {
  taxonomy: string;
  docs: string;
  /** The commit before the fact was added (the diff base). */
  baseCommit: string;
  /** HEAD: the commit that adds the fact. */
  headCommit: string;
  leaf: string;
}

/**
 * A taxonomy git repo whose last commit adds one knowledge leaf holding FACT (its document in a
 * separate docs repo, as upstream's `document:` block wants). Diff against `baseCommit`.
 */
export async function makeFactTaxonomy(root: string): Promise<FactTaxonomy> {
  const docs = path.join(root, 'docs');
  await fs.mkdir(docs, { recursive: true });
  await git.init({ fs, dir: docs, defaultBranch: 'main' });
  await fs.writeFile(path.join(docs, 'olmar.md'), DOC);
  const docCommit = await commitAll(docs, 'docs');

  const taxonomy = path.join(root, 'taxonomy');
  await fs.mkdir(taxonomy, { recursive: true });
  await git.init({ fs, dir: taxonomy, defaultBranch: 'main' });
  await fs.writeFile(path.join(taxonomy, 'README.md'), 'test taxonomy\n');
  const baseCommit = await commitAll(taxonomy, 'empty taxonomy');
  const leafDir = 'knowledge/geography/olmar';
  const qna = [
    'version: 3',
    'domain: geography',
    'created_by: labforge-tests',
    'seed_examples:',
    ...[0, 1, 2, 3, 4].map(seed),
    'document_outline: |',
    '  The island nation of Olmar and its capital.',
    'document:',
    '  repo: https://github.com/example/olmar',
    '  commit: 0000000000000000000000000000000000000000',
    '  patterns:',
    '    - olmar.md',
    '',
  ].join('\n');
  await fs.mkdir(path.join(taxonomy, leafDir), { recursive: true });
  await fs.writeFile(
    path.join(taxonomy, leafDir, 'qna.yaml'),
    setDocumentBlock(qna, { repo: docs, commit: docCommit, pattern: 'olmar.md' }),
  );
  await fs.writeFile(
    path.join(taxonomy, leafDir, 'attribution.txt'),
    'Title of work: Olmar\nLicense of the work: CC-BY-4.0\nCreator names: LabForge\n',
  );
  const headCommit = await commitAll(taxonomy, 'Teach the capital of Olmar');
  return { taxonomy, docs, baseCommit, headCommit, leaf: `${leafDir}/qna.yaml` };
}

/**
 * The deterministic teacher and judge of the proof: every generation restates FACT (a different
 * phrasing per choice and seed, so de-duplication keeps several), and judge prompts go to the
 * key-phrase judge of the evaluation tests.
 */
export function factTeacherReply(ctx: ReplyContext): string {
  const name = ctx.body.response_format?.json_schema?.name ?? '';
  if (name.startsWith('gen_')) {
    const seedNo = Number(/story, number (\d+)/.exec(ctx.lastUserText)?.[1] ?? 1);
    const question = PHRASINGS[(seedNo + ctx.choice) % PHRASINGS.length]!;
    return JSON.stringify({ question, answer: FACT.answer });
  }
  return judgeReply(ctx) as string;
}

/** The proof's pipeline file: a full fine-tune of the tiny model (LoRA barely moves at this size). */
export function proofYaml(o: { tax: FactTaxonomy; student: string; teacher: string; out: string }): string {
  return [
    `taxonomy: ${o.tax.taxonomy}`,
    `base: ${o.tax.baseCommit}`,
    `student: ${o.student}`,
    `teacher: ${o.teacher}`,
    'teacher_model: fake-teacher',
    'generate: { pipeline: simple, scale: 4 }',
    'train:',
    '  method: full',
    '  phases: [knowledge, skills]',
    '  epochs: 25',
    '  lr: 5.0e-3',
    '  warmup: 1',
    '  batch_size: 4',
    '  max_batch_len: 2048',
    '  min_seq_len: 1',
    '  device: cpu',
    'evaluate: { benchmarks: [fact_recall, mmlu_branch], max_new_tokens: 32 }',
    'export: { quant: f16 }',
    `out: ${o.out}`,
    'name: olmar',
    '',
  ].join('\n');
}
