import { open } from 'node:fs/promises';
import path from 'node:path';
import type { LoadSettings } from '../../shared/contract/index.js';
import { AppError, isCancellation } from '../../shared/errors.js';
import type { ModelHost } from '../chat/model-host.js';
import type { AnswerSet, AnswerSource, AnswerTask } from './answers.js';

const CHUNK = 8;

/**
 * The GGUF header (magic and version 2 or 3), read before the file goes to the host: a file that
 * is not a GGUF at all should fail at once with a clear reason (reading such a file with the GGUF
 * parser was seen to hang).
 */
async function ggufHeaderProblem(file: string): Promise<string | null> {
  const fh = await open(file, 'r').catch(() => null);
  if (!fh) return `cannot open ${file}`;
  try {
    const buf = Buffer.alloc(8);
    const { bytesRead } = await fh.read(buf, 0, 8, 0);
    if (bytesRead < 8 || buf.toString('latin1', 0, 4) !== 'GGUF') return `${file} is not a GGUF file (no GGUF magic)`;
    const version = buf.readUInt32LE(4);
    return version === 2 || version === 3
      ? null
      : `${file} is not a GGUF file this version understands (version ${version})`;
  } finally {
    await fh.close();
  }
}

/**
 * GGUF models, answered in the model host (node-llama-cpp): option log-likelihoods through the
 * host's `loglik` request, greedy answers through `chat`. Models are loaded one at a time and
 * unloaded after, so a run's judge (also in the host) keeps its memory.
 */
export class HostAnswerSource implements AnswerSource {
  readonly name = 'model host';

  constructor(
    private readonly host: ModelHost,
    private readonly settings: LoadSettings = {},
  ) {}

  async answer(task: AnswerTask, signal: AbortSignal): Promise<Map<string, AnswerSet>> {
    const out = new Map<string, AnswerSet>();
    const total = task.choices.length + task.generations.length;
    for (const m of task.models) {
      const set: AnswerSet = { failed: null, choices: new Map(), generations: new Map() };
      out.set(m.id, set);
      const model = { path: m.path, name: path.basename(m.path, '.gguf'), modelId: null };
      let done = 0;
      const problem = await ggufHeaderProblem(m.path);
      if (problem) {
        set.failed = `MODEL_INVALID: ${problem}`;
        continue;
      }
      try {
        for (let i = 0; i < task.choices.length; i += CHUNK) {
          const chunk = task.choices.slice(i, i + CHUNK);
          const r = await this.host.loglik(
            {
              model,
              settings: this.settings,
              items: chunk.map((c) => ({ prompt: c.prompt, options: c.options, chat: c.chat ?? true })),
            },
            signal,
          );
          chunk.forEach((c, n) => {
            const value = { logprobs: r.logprobs[n] ?? [], tokens: r.tokens[n] ?? [] };
            set.choices.set(c.id, value);
            task.onAnswer?.({ modelId: m.id, kind: 'choice', itemId: c.id, value });
          });
          done += chunk.length;
          task.onProgress?.({ modelId: m.id, done, total });
        }
        for (const g of task.generations) {
          const r = await this.host.chat(
            {
              model,
              settings: this.settings,
              messages: g.messages,
              sampling: { temperature: 0, maxTokens: task.maxNewTokens },
            },
            { signal },
          );
          set.generations.set(g.id, r.text.trim());
          task.onAnswer?.({ modelId: m.id, kind: 'generation', itemId: g.id, value: r.text.trim() });
          task.onProgress?.({ modelId: m.id, done: ++done, total });
        }
      } catch (err) {
        if (isCancellation(err) || signal.aborted) throw new AppError('CANCELLED', 'Cancelled');
        const code = err instanceof AppError ? err.code : 'MODEL_LOAD_FAILED';
        set.failed = `${code}: ${(err as Error).message}`;
        task.onLog?.(`${m.path}: ${set.failed}`);
      } finally {
        await this.host.unload(m.path).catch(() => undefined);
      }
    }
    return out;
  }
}
