import { promises as fs } from 'node:fs';
import path from 'node:path';
import git from 'isomorphic-git';
import type {
  DiffLeafInfo,
  PipelineCheck,
  PipelineParsedParams,
  PipelineProblem,
} from '../../shared/contract/index.js';
import { AppError } from '../../shared/errors.js';
import type { Finding } from '../../shared/taxonomy/types.js';
import type { ModelLibrary } from '../models/model-library.js';
import { inspectHfFolder } from '../models/hf-folder.js';
import { inspectGguf } from '../models/gguf-file.js';
import { selectLeaves } from '../sdg/leaf-inputs.js';
import { taxonomyDiff } from '../taxonomy/taxonomy-diff.js';
import { estimateStages, type EstimateInputs } from './estimates.js';

export interface CheckDeps {
  library: ModelLibrary;
  /** Figures measured by earlier runs on this machine (estimates). */
  history: () => EstimateInputs['history'];
  /** The machine's GPUs (estimates): count and the largest memory, null without one. */
  gpus: () => Promise<{ count: number; memoryMb: number | null }>;
}

const isUrl = (s: string): boolean => /^https?:\/\//i.test(s);

/** The student's Hugging Face folder: a library entry (safetensors) or a folder on disk. */
async function resolveStudent(spec: string, library: ModelLibrary): Promise<{ path: string } | { problem: string }> {
  const entry = library.find(spec);
  if (entry && entry.format !== 'safetensors')
    return { problem: `"${spec}" is a ${entry.format} model; training needs a Hugging Face folder (safetensors).` };
  const dir = entry?.path ?? path.resolve(spec);
  const st = await fs.stat(dir).catch(() => null);
  if (!st) return { problem: `No model "${spec}": not in the library and no such folder.` };
  if (!st.isDirectory())
    return { problem: `${dir} is a file; the student must be a Hugging Face folder (config.json, safetensors).` };
  try {
    await inspectHfFolder(dir);
  } catch (err) {
    return { problem: `${dir} is not a usable model folder: ${err instanceof Error ? err.message : String(err)}` };
  }
  return { path: dir };
}

/** A teacher or judge: a URL (checked when the run starts), a library GGUF or a GGUF file that passes the header check. */
async function checkModelSpec(spec: string, library: ModelLibrary): Promise<string | null> {
  if (isUrl(spec)) {
    try {
      new URL(spec);
      return null;
    } catch {
      return `"${spec}" is not a valid URL.`;
    }
  }
  const entry = library.find(spec);
  if (entry) return entry.format === 'gguf' ? null : `"${spec}" is a ${entry.format} model; a teacher must be a GGUF.`;
  const file = path.resolve(spec);
  if (!(await fs.stat(file).catch(() => null)))
    return `No model "${spec}": not in the library, no such file, and not an http(s):// endpoint.`;
  try {
    await inspectGguf(file);
    return null;
  } catch (err) {
    return `${file} is not a usable GGUF: ${err instanceof Error ? err.message : String(err)}`;
  }
}

async function headCommit(dir: string): Promise<string | null> {
  try {
    return await git.resolveRef({ fs, dir, ref: 'HEAD' });
  } catch {
    return null;
  }
}

const problem = (field: string, message: string, file: string | null = null, line: number | null = null) => ({
  field,
  message,
  file,
  line,
});

/**
 * Everything that can be known before a run starts: the taxonomy is a git repo whose diff selects
 * valid leaves, the student is a usable folder, the teacher and judge exist. Problems name the field
 * (and the qna.yaml and line); nothing is started or written.
 */
export async function checkPipeline(p: PipelineParsedParams, deps: CheckDeps): Promise<PipelineCheck> {
  const problems: PipelineProblem[] = [];
  const warnings: string[] = [];
  const root = path.resolve(p.taxonomy);
  let leaves: DiffLeafInfo[] = [];
  const taxonomyCommit = await headCommit(root);
  if (!(await fs.stat(root).catch(() => null))) problems.push(problem('taxonomy', `No taxonomy folder ${root}.`));
  else if (!taxonomyCommit)
    problems.push(
      problem('taxonomy', `${root} is not a git repository with a commit; the run records which commit it trained.`),
    );
  else {
    try {
      const diff = await taxonomyDiff(root, p.base);
      leaves = diff.leaves;
      await selectLeaves(root, p.base);
    } catch (err) {
      const e = err instanceof AppError ? err : new AppError('INVALID_REQUEST', String(err));
      const findings = (e.details as { findings?: Finding[] } | undefined)?.findings;
      if (findings?.length)
        for (const f of findings)
          problems.push(problem('taxonomy', `${f.message} (${f.rule})`, path.join(root, f.file), f.line));
      else problems.push(problem(p.base ? 'base' : 'taxonomy', e.hint ? `${e.message} ${e.hint}` : e.message));
    }
  }

  const student = await resolveStudent(p.student, deps.library);
  if ('problem' in student) problems.push(problem('student', student.problem));
  const teacher = await checkModelSpec(p.teacher, deps.library);
  if (teacher) problems.push(problem('teacher', teacher));
  if (p.judge) {
    const judge = await checkModelSpec(p.judge, deps.library);
    if (judge) problems.push(problem('judge', judge));
  }
  if (isUrl(p.teacher) && !p.apiKeyEnv && !/^https?:\/\/(127\.0\.0\.1|localhost|\[::1\])[:/]/i.test(p.teacher))
    warnings.push('The teacher is a remote endpoint and no api_key_env is set; the key saved in the settings is used.');
  if (p.train.method === 'lora' && p.train.learningRate === undefined)
    warnings.push('LoRA with the LAB learning rate (2e-5) learns slowly on small data; consider a larger one.');

  const gpus = await deps.gpus();
  const studentBytes = 'path' in student ? await folderBytes(student.path) : null;
  const estimates = estimateStages({
    params: p,
    leaves: leaves.length,
    studentBytes,
    gpus,
    history: deps.history(),
  });
  return {
    ok: problems.length === 0,
    problems,
    warnings,
    taxonomyCommit,
    leaves,
    studentPath: 'path' in student ? student.path : null,
    studentBytes,
    estimates,
  };
}

async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  for (const name of await fs.readdir(dir).catch(() => [] as string[]))
    if (name.endsWith('.safetensors')) total += (await fs.stat(path.join(dir, name))).size;
  return total;
}
