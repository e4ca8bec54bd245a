/**
 * Chat overhead: tokens/s and time to first token on the tiny GGUF, node-llama-cpp called
 * directly in-process vs through LabForge's model host child process vs through the
 * OpenAI-compatible endpoint (SSE). Prints figures; never asserts on time.
 *   npm run bench chat      BENCH_RUNS=5 BENCH_TOKENS=256 BENCH_THREADS=1
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { getLlama, LlamaChat, type ChatHistoryItem } from 'node-llama-cpp';
import { ModelHost } from '../electron/core/chat/model-host.js';
import { createCore } from '../electron/core/create-core.js';
import { tinyGguf } from '../test/helpers/tiny-gguf.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const TOKENS = Number(process.env.BENCH_TOKENS ?? 256);
const THREADS = Number(process.env.BENCH_THREADS ?? 1);
const PROMPT = 'Explain what a taxonomy is, in detail.';
const SAMPLING = { temperature: 0, maxTokens: TOKENS, seed: 1 };

interface Figures {
  ttftMs: number;
  tokensPerSec: number;
  tokens: number;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

function report(name: string, runs: Figures[]): void {
  const ttft = median(runs.map((r) => r.ttftMs));
  const tps = median(runs.map((r) => r.tokensPerSec));
  console.log(
    `${name.padEnd(28)} TTFT ${ttft.toFixed(1).padStart(7)} ms   ${tps.toFixed(0).padStart(6)} tok/s   (${runs[0]?.tokens} tokens, median of ${runs.length})`,
  );
}

/** Client-side timing: first text chunk, and tokens over the time after it. */
async function time(gen: (onText: () => void) => Promise<number>): Promise<Figures> {
  const t0 = performance.now();
  let first = 0;
  const tokens = await gen(() => {
    first ||= performance.now();
  });
  const end = performance.now();
  return { ttftMs: first - t0, tokensPerSec: (tokens - 1) / ((end - first) / 1000), tokens };
}

async function direct(modelPath: string): Promise<Figures[]> {
  const llama = await getLlama({ build: 'never', maxThreads: THREADS });
  const model = await llama.loadModel({ modelPath });
  const context = await model.createContext({ threads: THREADS, sequences: 1 });
  const out: Figures[] = [];
  const seq = context.getSequence(); // reused, as the host reuses its sequences (prompt prefix kept)
  for (let i = 0; i < RUNS; i++) {
    const chat = new LlamaChat({ contextSequence: seq });
    const history: ChatHistoryItem[] = [
      { type: 'user', text: PROMPT },
      { type: 'model', response: [] },
    ];
    out.push(
      await time(async (onText) => {
        let n = 0;
        await chat.generateResponse(history, { ...SAMPLING, onTextChunk: onText, onToken: (t) => (n += t.length) });
        return n;
      }),
    );
    chat.dispose({ disposeSequence: false });
  }
  await context.dispose();
  await model.dispose();
  await llama.dispose();
  return out;
}

async function viaHost(modelPath: string): Promise<Figures[]> {
  const host = new ModelHost({ threads: THREADS, sequences: 1 });
  const model = { path: modelPath, name: 'tiny', modelId: null };
  await host.load(model, {});
  const out: Figures[] = [];
  for (let i = 0; i < RUNS; i++) {
    out.push(
      await time(async (onText) => {
        const r = await host.chat(
          { model, settings: {}, messages: [{ role: 'user', content: PROMPT }], sampling: SAMPLING },
          { onText },
        );
        return r.completionTokens;
      }),
    );
  }
  await host.dispose();
  return out;
}

async function viaEndpoint(modelPath: string): Promise<Figures[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'labforge-bench-'));
  const core = await createCore({ dataDir: dir, modelHost: { threads: THREADS, sequences: 1 } });
  try {
    const { url } = await core.endpoint.start({ port: 0, model: modelPath, auth: 'none' });
    await core.chat.load(modelPath);
    const out: Figures[] = [];
    for (let i = 0; i < RUNS; i++) {
      out.push(
        await time(async (onText) => {
          const res = await fetch(`${url}/chat/completions`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({
              model: 'tiny',
              messages: [{ role: 'user', content: PROMPT }],
              stream: true,
              max_tokens: TOKENS,
              temperature: 0,
              seed: 1,
              stream_options: { include_usage: true },
            }),
          });
          const decoder = new TextDecoder();
          let tokens = 0;
          let buf = '';
          for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
            buf += decoder.decode(chunk, { stream: true });
            if (buf.includes('"content":"')) onText();
            const m = /"completion_tokens":(\d+)/.exec(buf);
            if (m) tokens = Number(m[1]);
            buf = buf.slice(buf.lastIndexOf('\n\n') + 1);
          }
          return tokens;
        }),
      );
    }
    return out;
  } finally {
    await core.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

const modelPath = await tinyGguf();
console.log(
  `tiny GGUF (2 layers, n_embd 64), ${TOKENS} tokens greedy, threads ${THREADS}, ${RUNS} runs each, ${os.cpus().length} CPUs`,
);
report('node-llama-cpp in-process', await direct(modelPath));
report('LabForge model host (IPC)', await viaHost(modelPath));
report('OpenAI endpoint (HTTP SSE)', await viaEndpoint(modelPath));
