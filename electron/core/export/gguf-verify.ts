import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GPU_ENV, LLAMA_ENV, spawnChild, type Launcher } from '../util/child-process.js';

export interface GgufCheck {
  chatTemplate: string | null;
  architecture: string | null;
  /** Greedy continuations of each prompt's token ids, in llama.cpp. */
  outputs: number[][];
  /** llama.cpp's tokenization of each templated prompt text equals the reference ids. */
  tokenizationMatches: boolean[];
}

// Runs in a separate Node process: a malformed file or a native crash cannot take LabForge down.
// It must be a file: node-llama-cpp re-runs process.execArgv to test its binary, so `-e` breaks it.
const SCRIPT = `import { readFileSync } from 'node:fs';
const input = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const { getLlama } = await import(input.module);
const llama = await getLlama({ gpu: false, build: 'never', logLevel: 'error' });
const model = await llama.loadModel({ modelPath: input.path, gpuLayers: 0 });
const meta = model.fileInfo.metadata;
const ctx = await model.createContext({ contextSize: input.contextSize, threads: input.threads, sequences: 1 });
const outputs = [];
const tokenizationMatches = [];
for (const p of input.prompts) {
  const seq = ctx.getSequence();
  const out = [];
  for await (const t of seq.evaluate(p.ids, { temperature: 0 })) {
    if (model.isEogToken(t) || out.length >= input.maxTokens) break;
    out.push(t);
  }
  outputs.push(out);
  const ids = model.tokenize(p.text, true);
  const ref = p.ids;
  const strip = (a) => (a.length && a[0] === model.tokens.bos ? a.slice(1) : a);
  tokenizationMatches.push(JSON.stringify(strip(ids)) === JSON.stringify(strip(ref)));
  seq.dispose();
}
process.stdout.write(JSON.stringify({
  chatTemplate: meta?.tokenizer?.chat_template ?? null,
  architecture: meta?.general?.architecture ?? null,
  outputs,
  tokenizationMatches,
}));
await ctx.dispose();
await model.dispose();
process.exit(0);
`;

/** Loads a GGUF with node-llama-cpp in a child process and replays the reference prompts greedily. */
export async function checkGguf(
  ggufPath: string,
  prompts: Array<{ ids: number[]; text: string }>,
  opts: { maxTokens: number; workDir: string; signal?: AbortSignal; threads?: number; launcher?: Launcher },
): Promise<GgufCheck> {
  const module = import.meta.resolve('node-llama-cpp');
  const longest = Math.max(0, ...prompts.map((p) => p.ids.length));
  const input = {
    module,
    path: ggufPath,
    prompts,
    maxTokens: opts.maxTokens,
    contextSize: Math.max(256, longest + opts.maxTokens + 16),
    threads: opts.threads ?? Math.max(1, Math.min(4, os.availableParallelism())),
  };
  const script = path.join(opts.workDir, 'gguf-check.mjs');
  const inputFile = path.join(opts.workDir, 'gguf-check.json');
  await fs.writeFile(script, SCRIPT);
  await fs.writeFile(inputFile, JSON.stringify(input));
  const child = spawnChild(process.execPath, [script, inputFile], {
    allowEnv: [GPU_ENV, LLAMA_ENV],
    env: { ELECTRON_RUN_AS_NODE: '1' },
    signal: opts.signal,
    grace: { term: 3000 },
    launcher: opts.launcher,
  });
  const out: string[] = [];
  child.onStdoutLine((l) => out.push(l));
  const exit = await child.exited;
  if (exit.error) throw exit.error;
  opts.signal?.throwIfAborted();
  if (exit.code === 0) {
    try {
      return JSON.parse(out.join('\n')) as GgufCheck;
    } catch {
      // fall through to the error below
    }
  }
  const last = child.tail(3).join(' | ');
  throw new Error(
    `llama.cpp could not load ${ggufPath} (${exit.signal ?? `exit ${exit.code}`}): ${last || 'no output'}`,
  );
}
