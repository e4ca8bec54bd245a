import { utilityProcess } from 'electron';
import { nodeLauncher, type ChildLike, type Launcher, type LaunchSpec } from '../core/util/launcher.js';

/** What this launcher needs of Electron's utilityProcess module (a fake in tests). */
export interface UtilityProcessApi {
  fork(
    modulePath: string,
    args: string[],
    options: { env: Record<string, string>; cwd?: string; stdio: 'pipe'; serviceName: string; execArgv?: string[] },
  ): UtilityChild;
}

export interface UtilityChild {
  readonly pid: number | undefined;
  readonly stdout: NodeJS.ReadableStream | null;
  readonly stderr: NodeJS.ReadableStream | null;
  postMessage(message: unknown): void;
  kill(): boolean;
  on(event: 'exit', listener: (code: number) => void): unknown;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  on(event: 'error', listener: (type: string, location: string, report: string) => void): unknown;
}

/**
 * In the desktop app, Node children (the model host, the GGUF check) run as Electron utility
 * processes: packaged builds turn the RunAsNode fuse off, so `process.execPath` cannot act as
 * Node there. A fork runs its module; a spawn of `process.execPath SCRIPT ...` runs SCRIPT; other
 * programs (Python, converters) are spawned as usual. Utility processes have no stdin and are not
 * group leaders; Electron ends them with the app.
 */
export function utilityLauncher(api: UtilityProcessApi = utilityProcess as unknown as UtilityProcessApi): Launcher {
  return (spec: LaunchSpec): ChildLike => {
    const node = spec.kind === 'fork' || spec.command === process.execPath;
    if (!node) return nodeLauncher(spec);
    const [modulePath, ...args] = spec.kind === 'fork' ? [spec.command, ...spec.args] : spec.args;
    const env = { ...spec.env };
    delete env.ELECTRON_RUN_AS_NODE; // meaningless (and refused by the fuse) in a utility process
    const child = api.fork(modulePath!, args, {
      env,
      cwd: spec.cwd,
      stdio: 'pipe',
      serviceName: `LabForge ${modulePath!.split(/[\\/]/).pop()}`,
      execArgv: spec.execArgv,
    });
    return adoptUtility(child);
  };
}

export function adoptUtility(child: UtilityChild): ChildLike {
  let exited: [number | null, NodeJS.Signals | null] | null = null;
  const exitListeners: Array<(c: number | null, s: NodeJS.Signals | null) => void> = [];
  const closeListeners: Array<(c: number | null, s: NodeJS.Signals | null) => void> = [];
  let open = [child.stdout, child.stderr].filter((s) => s !== null).length + 1;
  const closed = (): void => {
    if (--open === 0) for (const l of closeListeners) l(...exited!);
  };
  child.stdout?.once('close', closed);
  child.stderr?.once('close', closed);
  child.on('exit', (code) => {
    exited = [code, null];
    for (const l of exitListeners) l(code, null);
    closed();
  });
  return {
    get pid() {
      return child.pid;
    },
    stdin: null,
    stdout: child.stdout,
    stderr: child.stderr,
    ownGroup: false,
    get connected() {
      return exited === null;
    },
    send: (m) => child.postMessage(m),
    disconnect: () => void child.kill(),
    kill: () => child.kill(),
    onMessage: (l) => void child.on('message', l),
    onError: (l) => void child.on('error', (type, location) => l(new Error(`${type} at ${location}`))),
    onExit: (l) => void exitListeners.push(l),
    onClose: (l) => void closeListeners.push(l),
  };
}
