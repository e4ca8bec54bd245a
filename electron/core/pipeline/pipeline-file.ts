import os from 'node:os';
import path from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { pipelineParamsSchema, type PipelineParsedParams } from '../../shared/contract/index.js';

/** A problem in a pipeline file, with the key it is about and its line (1-based; null when unknown). */
export interface FileProblem {
  key: string;
  line: number | null;
  message: string;
}

type Kind = 'string' | 'path' | 'number' | 'boolean' | 'list' | 'pathList' | 'numberList';
interface Field {
  to: string;
  kind: Kind;
}
type Section = Record<string, Field>;

const f = (to: string, kind: Kind): Field => ({ to, kind });

/** The file's keys (`labforge train`'s option names, in snake_case) and where each goes in `pipeline.start`'s params. */
const TOP: Section = {
  taxonomy: f('taxonomy', 'path'),
  base: f('base', 'string'),
  student: f('student', 'path'),
  teacher: f('teacher', 'path'),
  teacher_model: f('teacherModel', 'string'),
  judge: f('judge', 'path'),
  judge_model: f('judgeModel', 'string'),
  api_key_env: f('apiKeyEnv', 'string'),
  out: f('out', 'path'),
  name: f('name', 'string'),
  python: f('python', 'path'),
  review_samples: f('reviewSamples', 'boolean'),
};
const SECTIONS: Record<string, Section> = {
  generate: {
    pipeline: f('pipeline', 'string'),
    scale: f('scale', 'number'),
    concurrency: f('concurrency', 'number'),
    replay: f('replay', 'path'),
    flows_dir: f('flowsDir', 'path'),
  },
  train: {
    method: f('method', 'string'),
    phases: f('phases', 'list'),
    epochs: f('epochs', 'number'),
    lr: f('learningRate', 'number'),
    learning_rate: f('learningRate', 'number'),
    batch_size: f('effectiveBatchSize', 'number'),
    max_batch_len: f('maxBatchLen', 'number'),
    max_seq_len: f('maxSeqLen', 'number'),
    min_seq_len: f('minSeqLen', 'number'),
    warmup: f('warmupSteps', 'number'),
    lora_rank: f('loraRank', 'number'),
    lora_targets: f('loraTargets', 'string'),
    precision: f('precision', 'string'),
    gradient_checkpointing: f('gradientCheckpointing', 'boolean'),
    device: f('device', 'string'),
    nproc_per_node: f('nprocPerNode', 'number'),
    select_by_evaluation: f('selectByEvaluation', 'boolean'),
  },
  evaluate: {
    benchmarks: f('benchmarks', 'list'),
    max_new_tokens: f('maxNewTokens', 'number'),
    mmlu_data: f('mmluData', 'path'),
  },
  export: { quant: f('quant', 'string'), base: f('base', 'boolean'), prompts: f('prompts', 'list') },
  gpus: { train: f('train', 'numberList'), evaluate: f('evaluate', 'numberList'), export: f('export', 'numberList') },
};

/**
 * The file's key path for a params field (`teacherModel` → `teacher_model`, `train` +
 * `learningRate` → `train.lr`): the one reverse lookup behind error keys and lines. A field the
 * file has no key for stays as it is (a section's unknown field: the section).
 */
function filePathOf(head: string, sub?: string): string[] {
  const top = Object.entries(TOP).find(([, fl]) => fl.to === head)?.[0] ?? head;
  const section = SECTIONS[top];
  if (!sub || !section) return [top];
  const key = Object.entries(section).find(([, fl]) => fl.to === sub)?.[0];
  return key ? [top, key] : [top];
}

const isRemote = (s: string): boolean => /^https?:\/\//i.test(s);

/** `~/x` → home, a relative path → beside the file; URLs and library ids stay as written unless they exist as a relative path. */
function resolvePath(v: string, dir: string, key: string): string {
  if (isRemote(v)) return v;
  if (v === '~' || v.startsWith('~/')) return path.join(os.homedir(), v.slice(1));
  if (path.isAbsolute(v)) return v;
  // student/teacher/judge may be library ids: a bare word with no path separator stays as it is
  if (['student', 'teacher', 'judge'].includes(key) && !v.includes('/') && !v.startsWith('.') && !/\.gguf$/i.test(v))
    return v;
  return path.resolve(dir, v);
}

/**
 * Reads a pipeline file (`labforge run PIPELINE.yaml`) into `pipeline.start`'s params. Unknown
 * keys, wrong types and invalid values are all reported at once, each with its key and line; a
 * file with any problem gives no params.
 */
export function parsePipelineFile(
  text: string,
  file: string,
): { params: PipelineParsedParams; problems: [] } | { params: null; problems: FileProblem[] } {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: true, uniqueKeys: true });
  const lineOf = (n: Node | null | undefined): number | null => (n?.range ? lc.linePos(n.range[0]).line : null);
  const problems: FileProblem[] = doc.errors.map((e) => ({
    key: '(file)',
    line: e.linePos?.[0]?.line ?? null,
    message: e.message.split('\n')[0]!,
  }));
  if (problems.length) return { params: null, problems };
  const root = doc.contents;
  if (!isMap(root))
    return { params: null, problems: [{ key: '(file)', line: 1, message: 'must be a mapping of keys' }] };
  const dir = path.dirname(path.resolve(file));
  const lines = new Map<string, number | null>();
  const out: Record<string, unknown> = {};

  const convert = (node: Node | null, field: Field, key: string, line: number | null): unknown => {
    const bad = (want: string): undefined => {
      problems.push({ key, line, message: `must be ${want}` });
      return undefined;
    };
    if (field.kind === 'list' || field.kind === 'pathList' || field.kind === 'numberList') {
      if (!isSeq(node)) return bad('a list');
      return node.items.map((it, i) => {
        const v = isScalar(it) ? it.value : undefined;
        if (field.kind === 'numberList') return typeof v === 'number' ? v : bad(`a list of numbers (item ${i + 1})`);
        return typeof v === 'string' || typeof v === 'number' ? String(v) : bad(`a list of strings (item ${i + 1})`);
      });
    }
    const v = isScalar(node) ? node.value : undefined;
    if (field.kind === 'number') return typeof v === 'number' ? v : bad('a number');
    if (field.kind === 'boolean') return typeof v === 'boolean' ? v : bad('true or false');
    if (typeof v !== 'string' && typeof v !== 'number') return bad('a string');
    return field.kind === 'path' ? resolvePath(String(v), dir, key) : String(v);
  };

  for (const pair of root.items) {
    const k = isScalar(pair.key) ? String(pair.key.value) : '';
    const line = lineOf(pair.key as Node);
    const value = pair.value as Node | null;
    if (k in SECTIONS) {
      lines.set(k, line);
      if (!isMap(value)) {
        problems.push({ key: k, line, message: 'must be a mapping' });
        continue;
      }
      const section: Record<string, unknown> = {};
      for (const sp of value.items) {
        const sk = isScalar(sp.key) ? String(sp.key.value) : '';
        const sl = lineOf(sp.key as Node);
        const field = SECTIONS[k]![sk];
        const full = `${k}.${sk}`;
        if (!field) {
          problems.push({
            key: full,
            line: sl,
            message: `unknown key (known: ${Object.keys(SECTIONS[k]!).join(', ')})`,
          });
          continue;
        }
        lines.set(`${k}.${field.to}`, sl);
        section[field.to] = convert(sp.value as Node | null, field, full, sl);
      }
      out[k] = section;
      continue;
    }
    const field = TOP[k];
    if (!field) {
      problems.push({
        key: k,
        line,
        message: `unknown key (known: ${[...Object.keys(TOP), ...Object.keys(SECTIONS)].join(', ')})`,
      });
      continue;
    }
    lines.set(field.to, line);
    out[field.to] = convert(value, field, k, line);
  }
  if (problems.length) return { params: null, problems };

  const parsed = pipelineParamsSchema.safeParse(out);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const [head, sub] = issue.path.map(String);
      const inSection = head && head in SECTIONS;
      const key = head ? filePathOf(head, sub).join('.') : '(file)';
      const line = lines.get(inSection && sub ? `${head}.${sub}` : (head ?? '')) ?? lines.get(head ?? '') ?? null;
      const message =
        issue.code === 'invalid_type' && issue.input === undefined
          ? 'is required'
          : issue.message.replace(/^Invalid /, 'invalid ');
      problems.push({ key, line, message });
    }
    return { params: null, problems };
  }
  return { params: parsed.data, problems: [] };
}

/** Maps a `pipeline.check` problem's field (`student`, `train.epochs`) back to the file's key and line. */
export function lineOfField(text: string, field: string): number | null {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc });
  const [head, sub] = field.split('.');
  const pathKeys = filePathOf(head!, sub);
  const root = doc.contents;
  if (!isMap(root)) return null;
  const pair = root.items.find((p) => isScalar(p.key) && String(p.key.value) === pathKeys[0]);
  let node = pair?.key as Node | undefined;
  if (pair && pathKeys[1] && isMap(pair.value)) {
    const sp = pair.value.items.find((p) => isScalar(p.key) && String(p.key.value) === pathKeys[1]);
    node = (sp?.key as Node | undefined) ?? node;
  }
  return node?.range ? lc.linePos(node.range[0]).line : null;
}

/** The file's name for a params field (`teacherModel` → `teacher_model`). */
export const fileKeyOf = (field: string): string => {
  const [head, sub] = field.split('.');
  return filePathOf(head!, sub).join('.');
};
