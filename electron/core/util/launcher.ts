import { fork, spawn, type ChildProcess, type Serializable } from 'node:child_process';

/** What the supervisor needs of a started process; Node's ChildProcess and Electron's utilityProcess both fit. */
export interface ChildLike {
  readonly pid: number | undefined;
  readonly stdin:
    (NodeJS.WritableStream & { destroyed: boolean; writable: boolean; on(e: 'error', l: () => void): unknown }) | null;
  readonly stdout: NodeJS.ReadableStream | null;
  readonly stderr: NodeJS.ReadableStream | null;
  /** The process leads its own process group (signals go to `-pid`, reaching its children). */
  readonly ownGroup: boolean;
  readonly connected: boolean;
  send(message: unknown): void;
  disconnect(): void;
  kill(signal: NodeJS.Signals): boolean;
  onMessage(listener: (message: unknown) => void): void;
  onError(listener: (err: Error) => void): void;
  /** The process ended (its output may still be draining). */
  onExit(listener: (code: number | null, signal: NodeJS.Signals | null) => void): void;
  /** The process ended and its output streams are closed. */
  onClose(listener: (code: number | null, signal: NodeJS.Signals | null) => void): void;
}

export interface LaunchSpec {
  kind: 'spawn' | 'fork';
  /** The executable (spawn) or the module path (fork). */
  command: string;
  args: string[];
  cwd?: string;
  /** The complete environment (already allowlisted). */
  env: Record<string, string>;
  /** Node options of a forked child (a loader for TypeScript sources). */
  execArgv?: string[];
  /** Pipe stdin (else it is ignored). */
  stdin: boolean;
}

/** Starts a process for the supervisor. Swap it to run children differently (Electron's utilityProcess). */
export type Launcher = (spec: LaunchSpec) => ChildLike;

/** Node's child_process: spawned children lead their own process group (POSIX); forked ones talk JSON over IPC. */
export const nodeLauncher: Launcher = (spec) => {
  const stdin = spec.stdin ? 'pipe' : 'ignore';
  const ownGroup = process.platform !== 'win32';
  const cp =
    spec.kind === 'spawn'
      ? spawn(spec.command, spec.args, {
          cwd: spec.cwd,
          env: spec.env,
          stdio: [stdin, 'pipe', 'pipe'],
          detached: ownGroup,
          windowsHide: true,
        })
      : fork(spec.command, spec.args, {
          cwd: spec.cwd,
          env: spec.env,
          execArgv: spec.execArgv ?? [],
          stdio: [stdin, 'pipe', 'pipe', 'ipc'],
          serialization: 'json',
          detached: ownGroup,
        });
  return adoptChildProcess(cp, ownGroup);
};

/**
 * A Node ChildProcess as a `ChildLike`. "Closed" is computed from `exit` plus the end of stdout and
 * stderr: Node's own `close` never fires for a forked child whose IPC channel the parent disconnected.
 */
export function adoptChildProcess(cp: ChildProcess, ownGroup: boolean): ChildLike {
  const closeListeners: Array<(code: number | null, signal: NodeJS.Signals | null) => void> = [];
  let open = [cp.stdout, cp.stderr].filter((s) => s !== null).length + 1;
  let status: [number | null, NodeJS.Signals | null] = [null, null];
  const closed = (): void => {
    if (--open === 0) for (const l of closeListeners) l(...status);
  };
  cp.stdout?.once('close', closed);
  cp.stderr?.once('close', closed);
  cp.once('exit', (code, sig) => {
    status = [code, sig];
    closed();
  });
  return {
    get pid() {
      return cp.pid;
    },
    stdin: cp.stdin,
    stdout: cp.stdout,
    stderr: cp.stderr,
    ownGroup,
    get connected() {
      return cp.connected;
    },
    send: (m) => void cp.send(m as Serializable),
    disconnect: () => cp.disconnect(),
    kill: (sig) => cp.kill(sig),
    onMessage: (l) => void cp.on('message', l),
    onError: (l) => void cp.on('error', l),
    onExit: (l) => void cp.on('exit', l),
    onClose: (l) => void closeListeners.push(l),
  };
}
