import { trainerEventSchema, type TrainerEvent } from '../../shared/trainer-protocol.js';
import { BASE_ENV, childEnv, GPU_ENV, PYTHON_ENV, spawnChild } from '../util/child-process.js';

export interface TrainerLaunch {
  /** The interpreter of the trainer's environment. */
  python: string;
  /** Folder that holds the `labforge_trainer` package (native/). */
  nativeDir: string;
  configPath: string;
  /** Processes per node; more than one runs under torchrun. */
  nprocPerNode?: number;
  nnodes?: number;
  nodeRank?: number;
  masterAddr?: string;
  masterPort?: number;
  cwd?: string;
  /** Extra environment (CUDA_VISIBLE_DEVICES...), on top of the allowlist. */
  env?: Record<string, string>;
  /** How long a cancelled worker may take to write its checkpoint before SIGTERM, then SIGKILL. */
  graceMs?: { cancel: number; term: number };
}

export type TrainerOutcome =
  | { kind: 'done'; event: Extract<TrainerEvent, { type: 'done' }> }
  | { kind: 'cancelled'; checkpoint: string | null }
  | { kind: 'error'; code: string; message: string; hint: string | null; stderrTail: string[] }
  | { kind: 'crashed'; exitCode: number | null; signal: NodeJS.Signals | null; stderrTail: string[] };

/** What the trainer inherits on top of BASE_ENV: GPU runtimes, thread pools, Python/PyTorch/HF settings. */
export const TRAINER_ENV = [GPU_ENV, PYTHON_ENV];
const STDERR_KEEP = 200;

/**
 * The command line. Whether the worker runs alone or under torchrun, and torchrun's arguments, are
 * decided in one place: `labforge_trainer.launch` (which then execs the result), so this only
 * forwards the launch settings.
 */
export function trainerCommand(l: TrainerLaunch): string[] {
  const cmd = [l.python, '-u', '-m', 'labforge_trainer.launch', '--exec', '--config', l.configPath];
  if (l.nprocPerNode !== undefined) cmd.push('--nproc-per-node', String(l.nprocPerNode));
  if (l.nnodes !== undefined) cmd.push('--nnodes', String(l.nnodes));
  if (l.nodeRank !== undefined) cmd.push('--node-rank', String(l.nodeRank));
  if (l.masterAddr !== undefined) cmd.push('--master-addr', l.masterAddr);
  if (l.masterPort !== undefined) cmd.push('--master-port', String(l.masterPort));
  return cmd;
}

/** The trainer's own variables, set explicitly on top of the allowlisted ones. */
function trainerExtras(nativeDir: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PYTHONPATH: nativeDir,
    PYTHONUNBUFFERED: '1',
    PYTHONIOENCODING: 'utf-8',
    HF_HUB_OFFLINE: '1',
    TRANSFORMERS_OFFLINE: '1',
    TOKENIZERS_PARALLELISM: 'false',
    ...extra,
  };
}

/** The environment of a Python process of the trainer's environment (the worker, export and evaluation tools). */
export function trainerEnv(
  nativeDir: string,
  extra: Record<string, string> = {},
  from: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  return childEnv([BASE_ENV, ...TRAINER_ENV], trainerExtras(nativeDir, extra), from);
}

/**
 * Runs the trainer worker as a supervised child (`spawnChild`: own process group, allowlisted env):
 * events are validated against the shared schema, stderr is the log (its tail is kept for error
 * reports), and a stop is `{"type":"cancel"}` on stdin → wait → SIGTERM → wait → SIGKILL. The
 * worker also stops when stdin reaches EOF, which is how it ends if LabForge dies.
 */
export async function runTrainer(
  launch: TrainerLaunch,
  hooks: { signal: AbortSignal; onEvent(e: TrainerEvent): void; onLog(line: string): void },
): Promise<TrainerOutcome> {
  const [cmd, ...args] = trainerCommand(launch);
  const grace = launch.graceMs ?? { cancel: 120_000, term: 30_000 };
  let lastError: Extract<TrainerEvent, { type: 'error' }> | null = null;
  let done: Extract<TrainerEvent, { type: 'done' }> | null = null;
  let cancelled: Extract<TrainerEvent, { type: 'cancelled' }> | null = null;

  const child = spawnChild(cmd!, args, {
    cwd: launch.cwd,
    allowEnv: TRAINER_ENV,
    env: trainerExtras(launch.nativeDir, launch.env),
    stdin: true,
    parentDeath: 'stdin',
    signal: hooks.signal,
    politeStop: (c) => c.writeLine(JSON.stringify({ type: 'cancel' })),
    grace: { polite: grace.cancel, term: grace.term },
    tailLines: STDERR_KEEP,
    onEscalate: (step) =>
      hooks.onLog(
        step === 'SIGTERM'
          ? 'The trainer did not stop after a cancel request; sending SIGTERM'
          : 'The trainer did not stop after SIGTERM; killing it',
      ),
  });
  child.onStdoutLine((line) => {
    if (!line.trim()) return;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      hooks.onLog(line); // a stray print from a library: keep it as log, not as protocol
      return;
    }
    const parsed = trainerEventSchema.safeParse(json);
    if (!parsed.success) {
      hooks.onLog(`[protocol] unexpected event: ${line.slice(0, 500)}`);
      return;
    }
    const e = parsed.data;
    if (e.type === 'error') lastError = e;
    if (e.type === 'done') done = e;
    if (e.type === 'cancelled') cancelled = e;
    hooks.onEvent(e);
  });
  child.onStderrLine((line) => hooks.onLog(line));

  const exit = await child.exited;
  const stderrTail = child.tail();
  if (done && exit.code === 0) return { kind: 'done', event: done };
  if (cancelled || (hooks.signal.aborted && lastError === null))
    return {
      kind: 'cancelled',
      checkpoint: (cancelled as { checkpoint: string | null } | null)?.checkpoint ?? null,
    };
  if (lastError) {
    const e = lastError as Extract<TrainerEvent, { type: 'error' }>;
    return { kind: 'error', code: e.code, message: e.message, hint: e.hint ?? null, stderrTail };
  }
  return { kind: 'crashed', exitCode: exit.code, signal: exit.signal, stderrTail };
}
