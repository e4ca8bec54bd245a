import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { trainerEventSchema, type TrainerEvent } from '../../shared/trainer-protocol.js';

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

const ENV_ALLOW =
  /^(PATH|HOME|USER|LOGNAME|LANG|LC_\w+|TZ|TMPDIR|TEMP|TMP|SYSTEMROOT|WINDIR|COMSPEC|CUDA_\w+|NVIDIA_\w+|NCCL_\w+|LD_LIBRARY_PATH|HF_HOME|HF_TOKEN|XDG_CACHE_HOME|OMP_NUM_THREADS|MKL_NUM_THREADS|OPENBLAS_\w+|PYTORCH_\w+|TORCH_\w+|LABFORGE_\w+)$/;
const STDERR_KEEP = 200;

/** The command line: the worker alone, or under torchrun (`python -m torch.distributed.run`). */
export function trainerCommand(l: TrainerLaunch): string[] {
  const worker = ['-m', 'labforge_trainer.worker', '--config', l.configPath];
  const nproc = l.nprocPerNode ?? 1;
  const nnodes = l.nnodes ?? 1;
  if (nproc === 1 && nnodes === 1) return [l.python, '-u', ...worker];
  const cmd = [l.python, '-u', '-m', 'torch.distributed.run', '--nproc-per-node', String(nproc)];
  if (nnodes > 1) {
    if (!l.masterAddr) throw new Error('masterAddr is required with more than one node');
    cmd.push('--nnodes', String(nnodes), '--node-rank', String(l.nodeRank ?? 0), '--master-addr', l.masterAddr);
    cmd.push('--master-port', String(l.masterPort ?? 29500));
  } else if (l.masterPort !== undefined) cmd.push('--master-port', String(l.masterPort));
  return [...cmd, ...worker];
}

export function trainerEnv(
  nativeDir: string,
  extra: Record<string, string> = {},
  from: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(from)) if (v !== undefined && ENV_ALLOW.test(k)) env[k] = v;
  return {
    ...env,
    PYTHONPATH: nativeDir,
    PYTHONUNBUFFERED: '1',
    PYTHONIOENCODING: 'utf-8',
    HF_HUB_OFFLINE: '1',
    TRANSFORMERS_OFFLINE: '1',
    TOKENIZERS_PARALLELISM: 'false',
    ...extra,
  };
}

/**
 * Runs the trainer worker as a supervised child in its own process group: events are validated
 * against the shared schema, stderr is the log (its tail is kept for error reports), and a stop
 * is `{"type":"cancel"}` on stdin → wait → SIGTERM → wait → SIGKILL.
 */
export function runTrainer(
  launch: TrainerLaunch,
  hooks: { signal: AbortSignal; onEvent(e: TrainerEvent): void; onLog(line: string): void },
): Promise<TrainerOutcome> {
  const [cmd, ...args] = trainerCommand(launch);
  const grace = launch.graceMs ?? { cancel: 120_000, term: 30_000 };
  const stderrTail: string[] = [];
  let lastError: Extract<TrainerEvent, { type: 'error' }> | null = null;
  let done: Extract<TrainerEvent, { type: 'done' }> | null = null;
  let cancelled: Extract<TrainerEvent, { type: 'cancelled' }> | null = null;

  return new Promise((resolve) => {
    let child: ChildProcess;
    try {
      child = spawn(cmd!, args, {
        cwd: launch.cwd,
        env: trainerEnv(launch.nativeDir, launch.env),
        stdio: ['pipe', 'pipe', 'pipe'],
        detached: process.platform !== 'win32',
        windowsHide: true,
      });
    } catch (err) {
      resolve({ kind: 'crashed', exitCode: null, signal: null, stderrTail: [(err as Error).message] });
      return;
    }
    const timers: NodeJS.Timeout[] = [];
    const killGroup = (sig: NodeJS.Signals): void => {
      if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
      try {
        if (process.platform === 'win32') child.kill(sig);
        else process.kill(-child.pid, sig);
      } catch {
        // Already gone.
      }
    };
    const onAbort = (): void => {
      try {
        child.stdin?.write(`${JSON.stringify({ type: 'cancel' })}\n`);
      } catch {
        // stdin closed: go straight to the signals.
      }
      timers.push(
        setTimeout(() => {
          hooks.onLog('The trainer did not stop after a cancel request; sending SIGTERM');
          killGroup('SIGTERM');
          timers.push(
            setTimeout(() => {
              hooks.onLog('The trainer did not stop after SIGTERM; killing it');
              killGroup('SIGKILL');
            }, grace.term),
          );
        }, grace.cancel),
      );
    };
    if (hooks.signal.aborted) onAbort();
    else hooks.signal.addEventListener('abort', onAbort, { once: true });
    child.stdin?.on('error', () => undefined);

    createInterface({ input: child.stdout! }).on('line', (line) => {
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
    createInterface({ input: child.stderr! }).on('line', (line) => {
      stderrTail.push(line);
      if (stderrTail.length > STDERR_KEEP) stderrTail.shift();
      hooks.onLog(line);
    });

    let spawnError: Error | null = null;
    child.on('error', (err) => (spawnError = err));
    child.on('close', (code, sig) => {
      hooks.signal.removeEventListener('abort', onAbort);
      for (const t of timers) clearTimeout(t);
      killGroup('SIGKILL'); // torchrun's children must not outlive it
      if (done && code === 0) resolve({ kind: 'done', event: done });
      else if (cancelled || (hooks.signal.aborted && lastError === null))
        resolve({
          kind: 'cancelled',
          checkpoint: (cancelled as { checkpoint: string | null } | null)?.checkpoint ?? null,
        });
      else if (lastError) {
        const e = lastError as Extract<TrainerEvent, { type: 'error' }>;
        resolve({ kind: 'error', code: e.code, message: e.message, hint: e.hint ?? null, stderrTail: [...stderrTail] });
      } else {
        if (spawnError) stderrTail.push((spawnError as Error).message);
        resolve({ kind: 'crashed', exitCode: code, signal: sig, stderrTail: [...stderrTail] });
      }
    });
  });
}
