import { promises as fs } from 'node:fs';
import path from 'node:path';
import {
  EVAL_PROTOCOL_VERSION,
  evalWorkerEventSchema,
  type EvalWorkerChoiceItem,
  type EvalWorkerEvent,
  type EvalWorkerGenerateItem,
} from '../../shared/eval-protocol.js';
import { AppError } from '../../shared/errors.js';
import { GPU_ENV, PYTHON_ENV, spawnChild } from '../util/child-process.js';
import type { AnswerSet, AnswerSource, AnswerTask } from './answers.js';

const STDERR_KEEP = 200;

export interface EvalWorkerLaunch {
  python: string;
  nativeDir: string;
  /** Where the config file goes. */
  workDir: string;
  device?: 'auto' | 'cpu' | 'cuda';
  batchSize?: number;
  systemPrompt?: string | null;
  /** Extra environment (OMP_NUM_THREADS in tests...). */
  env?: Record<string, string>;
}

/** Runs the worker through the shared child-process wrapper and streams its validated events. */
async function spawnWorker(
  l: EvalWorkerLaunch,
  configPath: string,
  signal: AbortSignal,
  onEvent: (e: EvalWorkerEvent) => void,
  onLog: (line: string) => void,
): Promise<{ code: number | null; stderrTail: string[] }> {
  const child = spawnChild(l.python, ['-u', '-m', 'labforge_trainer.evaluate', '--config', configPath], {
    allowEnv: [GPU_ENV, PYTHON_ENV],
    env: {
      PYTHONPATH: l.nativeDir,
      PYTHONUNBUFFERED: '1',
      PYTHONIOENCODING: 'utf-8',
      HF_HUB_OFFLINE: '1',
      TRANSFORMERS_OFFLINE: '1',
      TOKENIZERS_PARALLELISM: 'false',
      ...l.env,
    },
    signal,
    grace: { term: 3000 },
    tailLines: STDERR_KEEP,
  });
  child.onStdoutLine((line) => {
    if (!line.trim()) return;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      onLog(line);
      return;
    }
    const parsed = evalWorkerEventSchema.safeParse(json);
    if (parsed.success) onEvent(parsed.data);
    else onLog(`[protocol] unexpected event: ${line.slice(0, 300)}`);
  });
  child.onStderrLine(onLog);
  const exit = await child.exited;
  if (exit.error) throw new AppError('PYTHON_MISSING', `Cannot start ${l.python}: ${exit.error.message}`);
  return { code: exit.code, stderrTail: child.tail() };
}

/** Checkpoints and Hugging Face folders, answered by the Python worker in the trainer's environment. */
export class PythonAnswerSource implements AnswerSource {
  readonly name = 'transformers';
  constructor(private readonly launch: EvalWorkerLaunch) {}

  async answer(task: AnswerTask, signal: AbortSignal): Promise<Map<string, AnswerSet>> {
    const sets = new Map<string, AnswerSet>();
    for (const m of task.models) sets.set(m.id, { failed: null, choices: new Map(), generations: new Map() });
    const choiceItems: EvalWorkerChoiceItem[] = task.choices.map((c) => ({
      id: c.id,
      prompt: c.prompt,
      options: c.options,
      chat: c.chat ?? true,
    }));
    const generateItems: EvalWorkerGenerateItem[] = task.generations.map((g) => ({ id: g.id, messages: g.messages }));
    await fs.mkdir(this.launch.workDir, { recursive: true });
    const configPath = path.join(this.launch.workDir, `eval-worker-${process.pid}-${Date.now()}.json`);
    await fs.writeFile(
      configPath,
      JSON.stringify({
        version: EVAL_PROTOCOL_VERSION,
        models: task.models.map((m) => ({ id: m.id, path: m.path })),
        choice_items: choiceItems,
        generate_items: generateItems,
        max_new_tokens: task.maxNewTokens,
        batch_size: this.launch.batchSize ?? 8,
        device: this.launch.device ?? 'auto',
        system_prompt: this.launch.systemPrompt ?? null,
      }),
    );
    let fatal: { code: string; message: string } | null = null;
    let sawDone = false;
    const out = await spawnWorker(
      this.launch,
      configPath,
      signal,
      (e) => {
        if (e.type === 'choice') {
          const value = { logprobs: e.logprobs, tokens: e.tokens };
          sets.get(e.model_id)?.choices.set(e.item_id, value);
          task.onAnswer?.({ modelId: e.model_id, kind: 'choice', itemId: e.item_id, value });
        } else if (e.type === 'generation') {
          sets.get(e.model_id)?.generations.set(e.item_id, e.text);
          task.onAnswer?.({ modelId: e.model_id, kind: 'generation', itemId: e.item_id, value: e.text });
        } else if (e.type === 'model_failed') {
          const s = sets.get(e.model_id);
          if (s) s.failed = `${e.code}: ${e.message}`;
        } else if (e.type === 'progress') task.onProgress?.({ modelId: e.model_id, done: e.done, total: e.total });
        else if (e.type === 'error') fatal = { code: e.code, message: e.message };
        else if (e.type === 'done') sawDone = true;
      },
      (line) => task.onLog?.(line),
    ).finally(() => fs.rm(configPath, { force: true }));
    if (signal.aborted) throw new AppError('CANCELLED', 'Cancelled');
    if (!sawDone) {
      const f = fatal as { code: string; message: string } | null;
      const why = f
        ? `${f.code}: ${f.message}`
        : `the evaluation worker exited with code ${out.code}${out.stderrTail.length ? ` (${out.stderrTail.at(-1)})` : ''}`;
      for (const s of sets.values()) if (!s.failed && s.choices.size + s.generations.size === 0) s.failed = why;
    }
    return sets;
  }
}
