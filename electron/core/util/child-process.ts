import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { Emitter, type Event } from './emitter.js';
import { nodeLauncher, type ChildLike, type Launcher } from './launcher.js';

export type { ChildLike, LaunchSpec, Launcher } from './launcher.js';

/** What every child gets from the parent's environment: enough to find programs, files and the locale. */
export const BASE_ENV =
  /^(PATH|PATHEXT|HOME|USER|USERNAME|LOGNAME|SHELL|LANG|LANGUAGE|LC_\w+|TZ|TMPDIR|TEMP|TMP|SYSTEMROOT|SYSTEMDRIVE|WINDIR|COMSPEC|APPDATA|LOCALAPPDATA|PROGRAMDATA|USERPROFILE|XDG_\w+)$/;
/** GPU runtimes and thread pools (CUDA, ROCm, Metal, Vulkan, BLAS), for anything that computes. */
export const GPU_ENV =
  /^(CUDA_\w+|NVIDIA_\w+|NCCL_\w+|HIP_\w+|ROCM_\w+|HSA_\w+|GGML_\w+|VK_\w+|LD_LIBRARY_PATH|DYLD_LIBRARY_PATH|OMP_NUM_THREADS|MKL_NUM_THREADS|OPENBLAS_\w+)$/;
/** node-llama-cpp's settings (for the model host and the GGUF check). */
export const LLAMA_ENV = /^(NODE_LLAMA_CPP_\w+|LABFORGE_\w+)$/;
/** Python, PyTorch and Hugging Face settings the user may have made. */
export const PYTHON_ENV = /^(HF_HOME|HF_TOKEN|XDG_CACHE_HOME|PYTORCH_\w+|TORCH_\w+|LABFORGE_\w+)$/;
/** Proxies, certificates and installer settings (pip, uv) for children that download. */
export const NETWORK_ENV =
  /^(HTTPS?_PROXY|https?_proxy|NO_PROXY|no_proxy|ALL_PROXY|SSL_CERT_FILE|SSL_CERT_DIR|REQUESTS_CA_BUNDLE|PIP_\w+|UV_\w+)$/;

/** The environment a child sees: the parent's variables whose names match an allowlist, then `extra`. */
export function childEnv(
  allow: RegExp[],
  extra: Record<string, string> = {},
  from: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(from)) if (v !== undefined && allow.some((r) => r.test(k))) env[k] = v;
  return { ...env, ...extra };
}

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The child could not be started (ENOENT...), or the launcher failed. */
  error: Error | null;
}

export interface ChildOptions {
  cwd?: string;
  /** Allowlists of the parent's variables the child inherits, on top of BASE_ENV. */
  allowEnv?: RegExp[];
  /** Variables set explicitly (they win over inherited ones). */
  env?: Record<string, string>;
  /** Where inherited variables come from (tests). */
  fromEnv?: NodeJS.ProcessEnv;
  /** Aborting stops the child with `stop()`. */
  signal?: AbortSignal;
  /** The polite first step of a stop (a `{"type":"cancel"}` line, an IPC disconnect); without one a stop starts at SIGTERM. */
  politeStop?: (child: ManagedChild) => void;
  /** How long each step of a stop may take: after the polite step, then after SIGTERM. */
  grace?: { polite?: number; term?: number };
  /** Reports each escalation of a stop (for the job log). */
  onEscalate?: (step: 'SIGTERM' | 'SIGKILL') => void;
  /** Lines kept in `tail()` (default 200). */
  tailLines?: number;
  /** Keep stdout lines in the tail too (tools whose stdout is log, not protocol). */
  tailStdout?: boolean;
  /**
   * How the child ends when this process dies without stopping it: `stdin` (the child exits on EOF of
   * the stdin pipe, like the trainer), `ipc` (a Node child exits on disconnect), `watchdog` (a small
   * shell loop kills the child's group when this process is gone; POSIX). Default: `watchdog` for
   * spawn, `ipc` for fork.
   */
  parentDeath?: 'stdin' | 'ipc' | 'watchdog';
  /** Replaces Node's spawn/fork (the Electron shell plugs in utilityProcess for the model host). */
  launcher?: Launcher;
}

export interface SpawnOptions extends ChildOptions {
  /** Pipe stdin (for protocol lines or the `stdin` parent-death mode); default: when parentDeath is `stdin`. */
  stdin?: boolean;
}

export interface ForkOptions extends ChildOptions {
  execArgv?: string[];
}

const WATCHDOG = `while kill -0 "$2" 2>/dev/null; do
  if ! kill -0 "$1" 2>/dev/null; then kill -TERM -"$2" 2>/dev/null; sleep 3; kill -KILL -"$2" 2>/dev/null; exit 0; fi
  sleep 1
done`;

/**
 * One child process, supervised the same way whatever it is (trainer, converter, model host): an
 * allowlisted environment, its own process group, typed line events, a kept stderr tail, a timed
 * graceful stop that ends with SIGKILL of the whole group, and an end when this process dies.
 */
export class ManagedChild {
  private readonly stdout = new Emitter<string>();
  private readonly stderr = new Emitter<string>();
  private readonly messages = new Emitter<unknown>();
  /** A stdout line (without its newline). */
  readonly onStdoutLine: Event<string> = this.stdout.event;
  /** A stderr line: the child's log. */
  readonly onStderrLine: Event<string> = this.stderr.event;
  /** An IPC message from a forked child. */
  readonly onMessage: Event<unknown> = this.messages.event;
  /** Resolves once the child has exited and its output is read; never rejects. */
  readonly exited: Promise<ChildExit>;
  private readonly kept: string[] = [];
  private ended: ChildExit | null = null;
  private stopping: Promise<ChildExit> | null = null;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly child: ChildLike,
    private readonly opts: ChildOptions,
  ) {
    const keep = opts.tailLines ?? 200;
    const take = (line: string): void => {
      this.kept.push(line);
      if (this.kept.length > keep) this.kept.shift();
    };
    if (child.stdout)
      createInterface({ input: child.stdout }).on('line', (l) => {
        if (opts.tailStdout) take(l);
        this.stdout.fire(l);
      });
    if (child.stderr)
      createInterface({ input: child.stderr }).on('line', (l) => {
        take(l);
        this.stderr.fire(l);
      });
    child.stdin?.on('error', () => undefined);
    child.onMessage((m) => this.messages.fire(m));
    this.exited = new Promise((resolve) => {
      let error: Error | null = null;
      child.onError((err) => {
        error = err;
        // A child that never started emits no close on some launchers.
        if (child.pid === undefined) finish(null, null);
      });
      const finish = (code: number | null, signal: NodeJS.Signals | null): void => {
        if (this.ended) return;
        this.ended = { code, signal, error };
        if (error) take(error.message);
        for (const t of this.timers) clearTimeout(t);
        opts.signal?.removeEventListener('abort', onAbort);
        resolve(this.ended);
      };
      // Grandchildren (torchrun's workers) must not outlive the child, nor hold its pipes open.
      child.onExit(() => this.killGroup('SIGKILL'));
      child.onClose(finish);
    });
    const onAbort = (): void => void this.stop();
    if (opts.signal?.aborted) onAbort();
    else opts.signal?.addEventListener('abort', onAbort, { once: true });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.ended === null;
  }

  /** The last lines of stderr (and stdout with `tailStdout`), oldest first: what error reports carry as `details.lastLines`. */
  tail(n?: number): string[] {
    return n === undefined ? [...this.kept] : this.kept.slice(-n);
  }

  /** Writes one line to the child's stdin; false when stdin is closed. */
  writeLine(line: string): boolean {
    const stdin = this.child.stdin;
    if (!stdin || stdin.destroyed || !stdin.writable) return false;
    try {
      stdin.write(`${line}\n`);
      return true;
    } catch {
      return false;
    }
  }

  /** Sends an IPC message to a forked child; false when the channel is closed. */
  send(message: unknown): boolean {
    if (!this.child.connected) return false;
    this.child.send(message);
    return true;
  }

  get connected(): boolean {
    return this.child.connected;
  }

  disconnect(): void {
    if (this.child.connected) this.child.disconnect();
  }

  /** Sends `sig` to the child's whole process group (or the child alone where it has none). */
  killGroup(sig: NodeJS.Signals): void {
    const pid = this.child.pid;
    if (pid === undefined) return;
    try {
      if (this.child.ownGroup && process.platform !== 'win32') process.kill(-pid, sig);
      else if (this.ended === null) this.child.kill(sig);
    } catch {
      // Already gone.
    }
  }

  /** The timed stop: the polite step, then SIGTERM to the group, then SIGKILL. Resolves when the child has exited. */
  stop(): Promise<ChildExit> {
    if (this.ended) return Promise.resolve(this.ended);
    this.stopping ??= this.escalate();
    return this.stopping;
  }

  private async escalate(): Promise<ChildExit> {
    const grace = { polite: 10_000, term: 5_000, ...this.opts.grace };
    const after = (ms: number): Promise<boolean> =>
      Promise.race([
        this.exited.then(() => true),
        new Promise<boolean>((r) => this.timers.add(setTimeout(() => r(false), ms))),
      ]);
    if (this.opts.politeStop) {
      this.opts.politeStop(this);
      if (await after(grace.polite)) return this.exited;
    }
    this.opts.onEscalate?.('SIGTERM');
    this.killGroup('SIGTERM');
    if (await after(grace.term)) return this.exited;
    this.opts.onEscalate?.('SIGKILL');
    this.killGroup('SIGKILL');
    return this.exited;
  }
}

function watchParent(child: ChildLike): void {
  if (process.platform === 'win32' || child.pid === undefined || !child.ownGroup) return;
  try {
    spawn('sh', ['-c', WATCHDOG, 'labforge-watchdog', String(process.pid), String(child.pid)], {
      detached: true,
      stdio: 'ignore',
      env: childEnv([BASE_ENV]),
    }).unref();
  } catch {
    // Without sh the child still stops with the app's orderly shutdown.
  }
}

/** Starts `command` (Python, a converter, a tool) supervised; its stdout and stderr arrive as lines. */
export function spawnChild(command: string, args: string[], opts: SpawnOptions = {}): ManagedChild {
  const parentDeath = opts.parentDeath ?? 'watchdog';
  const child = (opts.launcher ?? nodeLauncher)({
    kind: 'spawn',
    command,
    args,
    cwd: opts.cwd,
    env: childEnv([BASE_ENV, ...(opts.allowEnv ?? [])], opts.env, opts.fromEnv),
    stdin: opts.stdin ?? parentDeath === 'stdin',
  });
  if (parentDeath === 'watchdog') watchParent(child);
  return new ManagedChild(child, opts);
}

/** Starts a Node module as a supervised child with an IPC channel (JSON); it should exit when the channel disconnects. */
export function forkChild(modulePath: string, args: string[], opts: ForkOptions = {}): ManagedChild {
  const child = (opts.launcher ?? nodeLauncher)({
    kind: 'fork',
    command: modulePath,
    args,
    cwd: opts.cwd,
    env: childEnv([BASE_ENV, ...(opts.allowEnv ?? [])], opts.env, opts.fromEnv),
    execArgv: opts.execArgv ?? [],
    stdin: false,
  });
  if ((opts.parentDeath ?? 'ipc') === 'watchdog') watchParent(child);
  return new ManagedChild(child, { politeStop: (c) => c.disconnect(), ...opts });
}
