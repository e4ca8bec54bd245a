import type { ProbeInfo } from '../../shared/contract/index.js';
import { GPU_ENV, spawnChild } from '../util/child-process.js';

export interface ToolResult {
  /** `ok`: exited 0. `missing`: not on PATH. `failed`: non-zero exit. `timeout`: killed after `timeoutMs`. */
  outcome: 'ok' | 'missing' | 'failed' | 'timeout';
  stdout: string;
  stderr: string;
  code: number | null;
}

export interface ToolOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  /** PATH to look the tool up in (tests put a fake nvidia-smi first). */
  path?: string;
}

const MAX_OUTPUT = 1 << 20;

/**
 * Runs a detection tool (nvidia-smi, rocm-smi) under the child-process wrapper and never throws. It
 * runs in its own process group so a hung tool *and its children* are killed at the timeout, and
 * the promise settles at the timeout even when a grandchild still holds the output pipe open.
 */
export function runTool(cmd: string, args: string[], opts: ToolOptions): Promise<ToolResult> {
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    let settled = false;
    const child = spawnChild(cmd, args, {
      allowEnv: [GPU_ENV],
      env: opts.path === undefined ? {} : { PATH: opts.path },
    });
    const finish = (outcome: ToolResult['outcome'], code: number | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      resolve({ outcome, stdout, stderr, code });
    };
    const onAbort = (): void => {
      child.killGroup('SIGKILL');
      finish('timeout', null);
    };
    const timer = setTimeout(onAbort, opts.timeoutMs);
    if (opts.signal?.aborted) onAbort();
    else opts.signal?.addEventListener('abort', onAbort, { once: true });
    child.onStdoutLine((l) => {
      if (stdout.length < MAX_OUTPUT) stdout += `${l}\n`;
    });
    child.onStderrLine((l) => {
      if (stderr.length < MAX_OUTPUT) stderr += `${l}\n`;
    });
    void child.exited.then((exit) => {
      const missing = (exit.error as NodeJS.ErrnoException | null)?.code === 'ENOENT';
      if (exit.error) finish(missing ? 'missing' : 'failed', null);
      else finish(exit.code === 0 ? 'ok' : 'failed', exit.code);
    });
  });
}

/** The first non-empty line of a tool's output, for a one-line reason. */
export const firstLine = (s: string): string =>
  s
    .split('\n')
    .map((l) => l.trim())
    .find(Boolean) ?? '';

/** What a probe is called in a reason. */
const LABELS: Record<string, string> = {
  llama: "node-llama-cpp's backend detection",
  trainer: 'The trainer environment check',
  os: 'The operating system query',
  cpu: 'The CPU query',
  memory: 'The memory query',
  disk: 'The disk query',
};

/** Runs one probe with a deadline; a throw or a timeout becomes a `fail` probe with its reason. */
export async function probe<T>(
  id: string,
  timeoutMs: number,
  fn: (signal: AbortSignal) => Promise<{ value: T; status?: ProbeInfo['status']; reason: string }>,
  parent?: AbortSignal,
): Promise<{ value: T | null; probe: ProbeInfo }> {
  const started = Date.now();
  const ctrl = new AbortController();
  const onParent = (): void => ctrl.abort(parent?.reason);
  parent?.addEventListener('abort', onParent, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      ctrl.abort();
      reject(new Error(`${LABELS[id] ?? id} did not answer within ${Math.round(timeoutMs / 1000)} s`));
    }, timeoutMs);
  });
  try {
    const r = await Promise.race([fn(ctrl.signal), deadline]);
    return { value: r.value, probe: { id, status: r.status ?? 'ok', reason: r.reason, ms: Date.now() - started } };
  } catch (err) {
    parent?.throwIfAborted();
    const reason = err instanceof Error ? err.message : String(err);
    return { value: null, probe: { id, status: 'fail', reason, ms: Date.now() - started } };
  } finally {
    clearTimeout(timer);
    parent?.removeEventListener('abort', onParent);
  }
}
