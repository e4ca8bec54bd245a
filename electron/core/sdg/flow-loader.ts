import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isNode, LineCounter, parseDocument, type Document } from 'yaml';
import { AppError } from '../../shared/errors.js';
import { flowSchema, type Flow } from './flow-schema.js';

export interface LoadedFlow {
  flow: Flow;
  file: string;
  text: string;
}

export interface FlowProblem {
  file: string;
  line: number;
  column: number;
  /** `blocks[3].temperature` */
  key: string;
  message: string;
}

const keyText = (p: ReadonlyArray<PropertyKey>): string =>
  p.reduce<string>((s, k) => (typeof k === 'number' ? `${s}[${k}]` : s ? `${s}.${String(k)}` : String(k)), '');

/** The line and column of the deepest node of `p` that exists (a missing key points at its parent). */
function positionOf(doc: Document, lc: LineCounter, p: ReadonlyArray<PropertyKey>): { line: number; col: number } {
  for (let n = p.length; n >= 0; n--) {
    const node: unknown = n === 0 ? doc.contents : doc.getIn(p.slice(0, n) as Array<string | number>, true);
    if (isNode(node) && node.range) return lc.linePos(node.range[0]);
  }
  return { line: 1, col: 1 };
}

/** Parses and validates a flow's text; the problems name the file, line and key. */
export function parseFlow(text: string, file: string): { flow: Flow | null; problems: FlowProblem[] } {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    return {
      flow: null,
      problems: doc.errors.map((e) => {
        const p = lc.linePos(e.pos[0]);
        return { file, line: p.line, column: p.col, key: '', message: e.message.split('\n')[0]! };
      }),
    };
  }
  const r = flowSchema.safeParse(doc.toJS());
  if (r.success) return { flow: r.data, problems: [] };
  return {
    flow: null,
    problems: r.error.issues.map((i) => {
      const p = positionOf(doc, lc, i.path);
      return { file, line: p.line, column: p.col, key: keyText(i.path), message: i.message };
    }),
  };
}

export const formatFlowProblem = (p: FlowProblem): string =>
  `${p.file}:${p.line}:${p.column}${p.key ? ` ${p.key}:` : ''} ${p.message}`;

/** Reads a flow file; VALIDATION_FAILED naming file, line and key when it is not a valid flow. */
export async function loadFlow(file: string): Promise<LoadedFlow> {
  const text = await fs.readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new AppError('NOT_FOUND', `Cannot read the flow ${file} (${err.code ?? err.message})`);
  });
  const { flow, problems } = parseFlow(text, file);
  if (!flow)
    throw new AppError('VALIDATION_FAILED', `The flow ${formatFlowProblem(problems[0]!)}`, {
      hint: problems.length > 1 ? `${problems.length - 1} more problem(s) in the same file.` : undefined,
      details: { problems },
    });
  return { flow, file, text };
}

/** The built-in flows: `resources/flows` in the checkout or the packaged app (LABFORGE_FLOWS_DIR overrides). */
export function builtinFlowsDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.LABFORGE_FLOWS_DIR) return path.resolve(env.LABFORGE_FLOWS_DIR);
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, 'resources', 'flows');
    if (existsSync(path.join(candidate, 'simple-knowledge.yaml'))) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  const resources = (process as { resourcesPath?: string }).resourcesPath;
  // electron-builder copies resources/ to <resourcesPath>/resources.
  for (const dir of resources ? [path.join(resources, 'resources', 'flows'), path.join(resources, 'flows')] : [])
    if (existsSync(path.join(dir, 'simple-knowledge.yaml'))) return dir;
  throw new AppError('NOT_FOUND', 'The built-in SDG flows (resources/flows) are missing from this installation.', {
    hint: 'Reinstall LabForge, or set LABFORGE_FLOWS_DIR to a folder of flow YAML files.',
  });
}

export type LeafFlowKind = Flow['applies_to'];

/** Every flow in a folder, by its file name; a broken one fails the whole load (it would fail a run later). */
export async function loadFlowsDir(dir: string): Promise<LoadedFlow[]> {
  const names = (await fs.readdir(dir)).filter((n) => /\.ya?ml$/.test(n)).sort();
  return Promise.all(names.map((n) => loadFlow(path.join(dir, n))));
}

/** The flow a leaf of `kind` uses in `pipeline`. */
export function pickFlow(flows: LoadedFlow[], kind: LeafFlowKind, pipeline: Flow['pipeline']): LoadedFlow {
  const f = flows.find((l) => l.flow.applies_to === kind && l.flow.pipeline === pipeline);
  if (!f)
    throw new AppError('NOT_FOUND', `No ${pipeline} flow for ${kind.replace('_', ' ')} leaves.`, {
      hint: `Add a flow with "applies_to: ${kind}" and "pipeline: ${pipeline}".`,
    });
  return f;
}
