import { createHash } from 'node:crypto';
import { LAB_SYSTEM_PROMPT } from '../../shared/contract/pipeline.js';
import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { stringify } from 'yaml';
import type { SdgSample } from '../../shared/contract/sdg.js';
import { AppError } from '../../shared/errors.js';
import { checkRecord } from '../training/datasets.js';
import { mkdirs, writeFileAtomic } from '../util/fs.js';

/** Upstream's default student system prompt (non-Granite students); chat with a tuned model uses it too. */
export const SYSTEM_PROMPT = LAB_SYSTEM_PROMPT;
const SPELLCHECK_INSTRUCTION = 'Correct any spelling errors in the document and output the corrected version.';

export interface MixLeaf {
  leaf: string;
  dataset: 'knowledge' | 'skill';
  samplingSize: number;
  raftP: number;
  raftDocuments: number;
  samples: SdgSample[];
  aux: Array<{ raw: string; corrected: string }>;
}

export interface TrainingRecord {
  id: string;
  messages: Array<{ role: 'system' | 'user' | 'assistant'; content: string }>;
  metadata: string;
  unmask: boolean;
}

/** A deterministic uuid4-shaped id from content, so a re-mix keeps ids stable. */
export function uuidOf(...parts: string[]): string {
  const h = createHash('sha256').update(parts.join('\u0000')).digest('hex');
  const v = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${v}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** mulberry32: a small seeded generator (upstream draws skills with seed 42). */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const record = (user: string, assistant: string, meta: Record<string, unknown>, unmask: boolean): TrainingRecord => ({
  id: uuidOf(user, assistant, String(unmask), JSON.stringify(meta)),
  messages: [
    { role: 'system', content: SYSTEM_PROMPT },
    { role: 'user', content: user },
    { role: 'assistant', content: assistant },
  ],
  metadata: JSON.stringify(meta),
  unmask,
});

const usable = (r: TrainingRecord): boolean => r.messages.every((m) => m.role === 'system' || m.content.trim() !== '');

function knowledgeRecords(l: MixLeaf): { p07: TrainingRecord[]; raft: TrainingRecord[] } {
  const meta = (s: SdgSample, dataset: string) => ({
    sdg_document: s.sourceDocument ?? '',
    domain: s.domain,
    dataset,
    raw_document: s.document ?? '',
    dataset_type: 'knowledge',
  });
  const p07 = l.samples.map((s) =>
    record(`${s.document ?? ''}\n\n${s.question}`, s.answer, meta(s, 'document_knowledge_qa'), true),
  );
  for (const a of l.aux)
    p07.push(
      record(
        `${SPELLCHECK_INSTRUCTION}\n\n${a.raw}`,
        a.corrected,
        {
          domain: l.samples[0]?.domain ?? '',
          dataset: 'document_spellcheck',
          raw_document: a.raw,
          dataset_type: 'knowledge',
        },
        true,
      ),
    );
  const rand = seeded(42);
  const chunks = [...new Set(l.samples.map((s) => s.document ?? ''))];
  const raft = l.samples.map((s) => {
    const gold = s.document ?? '';
    const others = chunks.filter((c) => c !== gold);
    for (let i = others.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [others[i], others[j]] = [others[j]!, others[i]!];
    }
    const withGold = rand() < l.raftP;
    const docs = withGold ? [gold, ...others.slice(0, l.raftDocuments - 1)] : others.slice(0, l.raftDocuments);
    // A leaf with a single chunk has no distractor: the gold chunk is all there is.
    if (docs.length === 0) docs.push(gold);
    for (let i = docs.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [docs[i], docs[j]] = [docs[j]!, docs[i]!];
    }
    const user = `${docs.map((d) => `Document:\n${d}\n\n`).join('')}${s.question}`;
    return record(user, s.answer, meta(s, `document_knowledge_qa_raft_p${l.raftP}`), false);
  });
  return { p07, raft };
}

function skillRecords(l: MixLeaf): TrainingRecord[] {
  const all = l.samples.map((s) =>
    record(s.question, s.answer, { dataset: 'skills', leaf: l.leaf, dataset_type: 'skill' }, false),
  );
  if (all.length === 0) return [];
  const rand = seeded(42);
  return Array.from({ length: l.samplingSize }, () => all[Math.floor(rand() * all.length)]!);
}

/** A replay file's records (InstructLab format), normalised: system message at index 0, metadata a string. */
async function readReplay(file: string): Promise<TrainingRecord[]> {
  const out: TrainingRecord[] = [];
  let n = 0;
  const rl = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  try {
    for await (const raw of rl) {
      n++;
      if (!raw.trim()) continue;
      let v: unknown;
      try {
        v = JSON.parse(raw);
      } catch {
        throw new AppError('DATASET_INVALID', `${file}:${n}: the replay file has a line that is not JSON.`);
      }
      const problem = checkRecord(v);
      if (problem) throw new AppError('DATASET_INVALID', `${file}:${n}: ${problem}`);
      const r = v as { id?: unknown; messages: TrainingRecord['messages']; metadata?: unknown; unmask?: unknown };
      const messages =
        r.messages[0]?.role === 'system'
          ? r.messages
          : [{ role: 'system' as const, content: SYSTEM_PROMPT }, ...r.messages];
      out.push({
        id: typeof r.id === 'string' ? r.id : uuidOf(raw),
        messages,
        metadata: typeof r.metadata === 'string' ? r.metadata : JSON.stringify(r.metadata ?? { dataset: 'replay' }),
        unmask: r.unmask === true,
      });
    }
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw new AppError(
      'NOT_FOUND',
      `Cannot read the replay file ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}).`,
    );
  }
  return out;
}

const jsonl = (rs: TrainingRecord[]): string => rs.map((r) => JSON.stringify(r)).join('\n') + (rs.length ? '\n' : '');
const slug = (leaf: string): string => leaf.replace(/->/g, '_').replace(/[^A-Za-z0-9_.-]+/g, '_');

export interface MixResult {
  knowledge: string | null;
  skills: string | null;
  knowledgeRecords: number;
  skillsRecords: number;
  replayRecords: number;
}

/**
 * Mixes the kept samples (minus the discarded ones) into InstructLab's two training sets, the
 * per-leaf node datasets and the recipes. Every file is written under a temporary name and renamed.
 */
export async function mixDatasets(opts: {
  out: string;
  ts: string;
  leaves: MixLeaf[];
  replay?: string | null;
  discarded: ReadonlySet<string>;
}): Promise<MixResult> {
  const nodeDir = path.join(opts.out, `node_datasets_${opts.ts}`);
  await mkdirs(nodeDir);
  const phase1: TrainingRecord[] = [];
  const phase2Knowledge: TrainingRecord[] = [];
  const skills: TrainingRecord[] = [];
  const recipes: Record<'knowledge' | 'skills', Array<{ path: string; sampling_size: number }>> = {
    knowledge: [],
    skills: [],
  };
  for (const l0 of opts.leaves) {
    const l = { ...l0, samples: l0.samples.filter((s) => !opts.discarded.has(s.id)) };
    if (l.dataset === 'knowledge') {
      const { p07, raft } = knowledgeRecords(l);
      const a = p07.filter(usable);
      const b = [...raft, ...p07].filter(usable);
      if (a.length === 0) continue;
      const f07 = path.join(nodeDir, `knowledge_${slug(l.leaf)}_p07.jsonl`);
      const f10 = path.join(nodeDir, `knowledge_${slug(l.leaf)}_p10.jsonl`);
      await writeFileAtomic(f07, jsonl(a));
      await writeFileAtomic(f10, jsonl(b));
      recipes.knowledge.push({ path: f07, sampling_size: 1.0 });
      recipes.skills.push({ path: f10, sampling_size: 1.0 });
      phase1.push(...a);
      phase2Knowledge.push(...b);
    } else {
      const rs = skillRecords(l).filter(usable);
      if (rs.length === 0) continue;
      const f = path.join(nodeDir, `${slug(l.leaf)}.jsonl`);
      await writeFileAtomic(f, jsonl(rs));
      recipes.skills.push({ path: f, sampling_size: rs.length });
      skills.push(...rs);
    }
  }
  const replay = opts.replay ? await readReplay(opts.replay) : [];
  if (replay.length > 0) {
    recipes.skills.push({ path: path.resolve(opts.replay!), sampling_size: replay.length });
    // Knowledge below 3% of the replay set is upsampled to 3% (upstream).
    const want = Math.ceil(replay.length * 0.03);
    const rand = seeded(42);
    const base = [...phase2Knowledge];
    while (base.length > 0 && phase2Knowledge.length < want)
      phase2Knowledge.push(base[Math.floor(rand() * base.length)]!);
  }
  const phase2 = [...phase2Knowledge, ...skills, ...replay];
  const result: MixResult = {
    knowledge: null,
    skills: null,
    knowledgeRecords: phase1.length,
    skillsRecords: phase2.length,
    replayRecords: replay.length,
  };
  const meta = { sys_prompt: SYSTEM_PROMPT };
  if (phase1.length > 0) {
    result.knowledge = path.join(opts.out, `knowledge_train_msgs_${opts.ts}.jsonl`);
    await writeFileAtomic(result.knowledge, jsonl(phase1));
    await writeFileAtomic(
      path.join(opts.out, `knowledge_recipe_${opts.ts}.yaml`),
      stringify({ datasets: recipes.knowledge, metadata: meta }),
    );
  }
  if (phase2.length > 0) {
    result.skills = path.join(opts.out, `skills_train_msgs_${opts.ts}.jsonl`);
    await writeFileAtomic(result.skills, jsonl(phase2));
    await writeFileAtomic(
      path.join(opts.out, `skills_recipe_${opts.ts}.yaml`),
      stringify({ datasets: recipes.skills, metadata: meta }),
    );
  }
  // A re-mix after discards may leave fewer files: remove the ones that no longer have data.
  for (const [file, keep] of [
    [`knowledge_train_msgs_${opts.ts}.jsonl`, result.knowledge],
    [`skills_train_msgs_${opts.ts}.jsonl`, result.skills],
  ] as const)
    if (!keep) await fs.rm(path.join(opts.out, file), { force: true });
  return result;
}
