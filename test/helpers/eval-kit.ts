import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { NATIVE_DIR, TRAINER_PYTHON } from './tiny-kit.js';

const run = promisify(execFile);

export interface Fact {
  q: string;
  a: string;
}
export const FACTS: Fact[] = JSON.parse(
  readFileSync(path.join(NATIVE_DIR, 'labforge_trainer', 'fixtures', 'facts.json'), 'utf8'),
) as Fact[];
const SKILLS = JSON.parse(
  readFileSync(path.join(NATIVE_DIR, 'labforge_trainer', 'fixtures', 'skills.json'), 'utf8'),
) as Array<{
  task: string;
  out: string;
}>;

/** The facts a knowledge leaf of the eval taxonomy holds (5 seed contexts x 3 Q&A). */
export const LEAF_FACTS = FACTS.slice(0, 15);

const block = (s: string, indent: string): string => `|\n${indent}${s}`;

function knowledgeYaml(facts: Fact[]): string {
  const seeds = [0, 1, 2, 3, 4].map((i) => {
    const three = facts.slice(i * 3, i * 3 + 3);
    const pairs = three
      .map((f) => `      - question: ${block(f.q, '          ')}\n        answer: ${block(f.a, '          ')}`)
      .join('\n');
    return `  - context: ${block(three.map((f) => f.a).join(' '), '      ')}\n    questions_and_answers:\n${pairs}`;
  });
  return [
    'version: 3',
    'domain: general',
    'created_by: labforge-tests',
    'seed_examples:',
    ...seeds,
    'document_outline: |',
    '  Everyday facts about the world used to test LabForge evaluation.',
    'document:',
    '  repo: https://github.com/example/facts',
    '  commit: 0406d8e5e1c8b1e3c7d4a3b2f1e0d9c8b7a6f5e4',
    '  patterns:',
    '    - facts.md',
    '',
  ].join('\n');
}

function skillYaml(grounded: boolean): string {
  const seeds = SKILLS.slice(0, 5).map(
    (s) =>
      `  - question: ${block(s.task, '      ')}\n    answer: ${block(s.out, '      ')}` +
      (grounded ? `\n    context: ${block('A short text to work with.', '      ')}` : ''),
  );
  return [
    'version: 3',
    'created_by: labforge-tests',
    'task_description: |',
    '  Rewrite and answer short tasks.',
    'seed_examples:',
    ...seeds,
    '',
  ].join('\n');
}

/** A taxonomy folder (not a git repo: every leaf counts) with a knowledge leaf of fixture facts (unless `skillsOnly`) and a skill leaf (unless `knowledgeOnly`). */
export function writeEvalTaxonomy(dir: string, opts: { knowledgeOnly?: boolean; skillsOnly?: boolean } = {}): string {
  const leaf = (rel: string, text: string): void => {
    mkdirSync(path.join(dir, rel), { recursive: true });
    writeFileSync(path.join(dir, rel, 'qna.yaml'), text);
    writeFileSync(
      path.join(dir, rel, 'attribution.txt'),
      'Title of work: test facts\nLicense of the work: CC-BY-4.0\nCreator names: LabForge\n',
    );
  };
  if (!opts.skillsOnly) leaf('knowledge/general/facts', knowledgeYaml(LEAF_FACTS));
  if (!opts.knowledgeOnly) leaf('compositional_skills/writing/tasks', skillYaml(false));
  return dir;
}

/**
 * A tiny checkpoint that learned the leaf's facts (question -> answer), trained by the project's
 * trainer worker: a full fine-tune of the tiny model (LoRA at this size barely moves), about 20 s
 * on two cores. Returns the final checkpoint folder.
 */
export async function trainFactCheckpoint(
  model: string,
  outDir: string,
  opts: { epochs?: number } = {},
): Promise<string> {
  mkdirSync(outDir, { recursive: true });
  const data = path.join(outDir, 'knowledge_train_msgs_facts.jsonl');
  writeFileSync(
    data,
    LEAF_FACTS.map((f, i) =>
      JSON.stringify({
        id: `fact-${i}`,
        messages: [
          { role: 'system', content: 'You are a helpful assistant.' },
          { role: 'user', content: f.q },
          { role: 'assistant', content: f.a },
        ],
        metadata: '{}',
        unmask: false,
      }),
    ).join('\n') + '\n',
  );
  const config = path.join(outDir, 'train-config.json');
  writeFileSync(
    config,
    JSON.stringify({
      version: 1,
      base_model: model,
      data_path: data,
      output_dir: path.join(outDir, 'run'),
      method: 'full',
      epochs: opts.epochs ?? 30,
      learning_rate: 3e-3,
      warmup_steps: 1,
      effective_batch_size: 8,
      max_batch_len: 256,
      max_seq_len: 512,
      min_seq_len: 4,
      device: 'cpu',
    }),
  );
  const { stdout } = await run(TRAINER_PYTHON, ['-m', 'labforge_trainer.worker', '--config', config], {
    env: { ...process.env, PYTHONPATH: NATIVE_DIR, HF_HUB_OFFLINE: '1', OMP_NUM_THREADS: '1' },
    timeout: 300_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  const done = stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { type: string; final_checkpoint?: string })
    .find((e) => e.type === 'done');
  if (!done?.final_checkpoint || !existsSync(done.final_checkpoint))
    throw new Error(`training failed:\n${stdout.slice(-2000)}`);
  return done.final_checkpoint;
}

/** A folder in MMLU's release layout with one subject. */
export function writeMmlu(root: string): string {
  mkdirSync(path.join(root, 'dev'), { recursive: true });
  mkdirSync(path.join(root, 'test'), { recursive: true });
  const dev = Array.from({ length: 6 }, (_, i) => `"What is ${i}+1?",${i + 1},${i},${i + 2},${i + 3},A`).join('\n');
  writeFileSync(path.join(root, 'dev', 'basic_math_dev.csv'), `${dev}\n`);
  writeFileSync(
    path.join(root, 'test', 'basic_math_test.csv'),
    '"Which is even, ""2"" or ""3""?",3,2,"5, odd",7,B\r\n"What is 2+2?",4,5,6,7,A\n',
  );
  return root;
}
