import type { Flow } from './flow-schema.js';
import { callsOf, runBlock, type StepCount } from './blocks.js';
import type { ModelCalls } from './model-calls.js';
import type { Row } from './template.js';

export interface FlowProgress {
  block: string;
  blockIndex: number;
  blocks: number;
  /** Model calls done / planned in this block. */
  done: number;
  total: number;
  /** Samples (questions) the flow's first question-writing generate block produced (before the filters). */
  generated: number;
}

export interface FlowRun {
  rows: Row[];
  steps: StepCount[];
  aux: Array<{ raw: string; corrected: string }>;
  generated: number;
}

/**
 * Runs a flow's blocks in order on one leaf's rows. Counts are kept after every block (in, out,
 * dropped by reason); every model call goes through the journal (`calls`).
 */
export async function runFlow(
  flow: Flow,
  file: string,
  input: Row[],
  opts: {
    calls: ModelCalls;
    vars: Row;
    seedRows: (pairs: number) => Row[];
    concurrency: number;
    signal: AbortSignal;
    onProgress?: (p: FlowProgress) => void;
    onStep?: (s: StepCount) => void;
    onRows?: (block: string, rows: Row[]) => void;
  },
): Promise<FlowRun> {
  let rows = input;
  const steps: StepCount[] = [];
  const aux: FlowRun['aux'] = [];
  let generated = 0;
  const name = file.split(/[\\/]/).pop() ?? file;
  for (const [blockIndex, b] of flow.blocks.entries()) {
    opts.signal.throwIfAborted();
    const total = callsOf(b, rows.length);
    let done = 0;
    const report = (): void =>
      opts.onProgress?.({ block: b.name, blockIndex, blocks: flow.blocks.length, done, total, generated });
    report();
    const before = rows.length;
    const r = await runBlock(b, rows, {
      calls: opts.calls,
      vars: opts.vars,
      seedRows: opts.seedRows,
      concurrency: opts.concurrency,
      signal: opts.signal,
      where: (block) => `${name}: block "${block}"`,
      onCall: () => {
        done++;
        report();
      },
      onRows: opts.onRows,
      aux,
    });
    rows = r.rows;
    if (b.type === 'generate' && generated === 0 && b.output.fields.includes('question')) generated = rows.length;
    const step: StepCount = { block: b.name, type: b.type, in: before, out: rows.length, dropped: r.dropped };
    steps.push(step);
    opts.onStep?.(step);
  }
  return { rows, steps, aux, generated };
}
