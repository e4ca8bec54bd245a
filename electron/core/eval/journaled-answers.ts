import { promises as fs } from 'node:fs';
import path from 'node:path';
import { journalKey, type Journal } from '../util/journal.js';
import type { AnswerSet, AnswerSource, AnswerTask, ChoiceTask, GenerateTask } from './answers.js';

/**
 * What identifies a model's weights for the journal: its path, and the size and modification time
 * of its files (a checkpoint folder written again under the same name is a different model).
 */
async function modelStamp(p: string): Promise<string> {
  const st = await fs.stat(p).catch(() => null);
  if (!st) return `${p}:missing`;
  if (st.isFile()) return `${p}:${st.size}:${st.mtimeMs}`;
  const names = (await fs.readdir(p).catch(() => [])).sort();
  const parts = await Promise.all(
    names.map(async (n) => {
      const s = await fs.stat(path.join(p, n)).catch(() => null);
      return s?.isFile() ? `${n}:${s.size}:${s.mtimeMs}` : '';
    }),
  );
  return `${p}|${parts.filter(Boolean).join('|')}`;
}

const choiceKey = (stamp: string, c: ChoiceTask): string =>
  journalKey(['answer', 'choice', stamp, c.prompt, c.options, c.chat ?? true]);
const generationKey = (stamp: string, g: GenerateTask, maxNewTokens: number): string =>
  journalKey(['answer', 'generation', stamp, g.messages, maxNewTokens]);

/**
 * An answer source that writes every answer to the evaluation's journal as it arrives and asks the
 * inner source only for what the journal does not hold: a cancelled, crashed or killed evaluation,
 * resumed, does not load a model whose answers are all there and does not ask again for the
 * answers it already has. Models missing the same items are answered in one worker run.
 */
export class JournaledAnswerSource implements AnswerSource {
  constructor(
    private readonly inner: AnswerSource,
    private readonly journal: Journal,
    private readonly log?: (line: string) => void,
  ) {}

  get name(): string {
    return this.inner.name;
  }

  async answer(task: AnswerTask, signal: AbortSignal): Promise<Map<string, AnswerSet>> {
    const out = new Map<string, AnswerSet>();
    const total = task.choices.length + task.generations.length;
    const keys = new Map<string, Map<string, string>>();
    const reused = new Map<string, number>();
    const groups = new Map<
      string,
      { models: AnswerTask['models']; choices: ChoiceTask[]; generations: GenerateTask[] }
    >();
    for (const m of task.models) {
      const stamp = await modelStamp(m.path);
      const set: AnswerSet = { failed: null, choices: new Map(), generations: new Map() };
      const mine = new Map<string, string>();
      const choices = task.choices.filter((c) => {
        const k = choiceKey(stamp, c);
        mine.set(`choice:${c.id}`, k);
        const v = this.journal.get<{ logprobs: number[]; tokens: number[] }>(k);
        if (v) set.choices.set(c.id, v);
        return !v;
      });
      const generations = task.generations.filter((g) => {
        const k = generationKey(stamp, g, task.maxNewTokens);
        mine.set(`generation:${g.id}`, k);
        const v = this.journal.get<string>(k);
        if (v !== undefined) set.generations.set(g.id, v);
        return v === undefined;
      });
      out.set(m.id, set);
      keys.set(m.id, mine);
      const have = set.choices.size + set.generations.size;
      reused.set(m.id, have);
      if (have > 0) {
        this.log?.(`${m.id}: ${have} of ${total} answers taken from the journal`);
        task.onProgress?.({ modelId: m.id, done: have, total });
      }
      if (choices.length + generations.length === 0) continue;
      const g = `${choices.map((c) => c.id).join(',')}|${generations.map((x) => x.id).join(',')}`;
      const group = groups.get(g) ?? { models: [], choices, generations };
      group.models.push(m);
      groups.set(g, group);
    }
    let written: Promise<void> = Promise.resolve();
    for (const g of groups.values()) {
      const got = await this.inner.answer(
        {
          ...task,
          models: g.models,
          choices: g.choices,
          generations: g.generations,
          onProgress: (p) =>
            task.onProgress?.({ modelId: p.modelId, done: p.done + (reused.get(p.modelId) ?? 0), total }),
          onAnswer: (a) => {
            const k = keys.get(a.modelId)?.get(`${a.kind}:${a.itemId}`);
            if (k) written = this.journal.append(k, a.value);
            task.onAnswer?.(a);
          },
        },
        signal,
      );
      for (const [id, s] of got) {
        const set = out.get(id);
        if (!set) continue;
        for (const [k, v] of s.choices) set.choices.set(k, v);
        for (const [k, v] of s.generations) set.generations.set(k, v);
        set.failed = s.failed;
      }
    }
    await written;
    return out;
  }
}
