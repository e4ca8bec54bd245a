/**
 * The message channel a forked child has to its parent, whichever way it was started: Node's
 * `fork` (process.send / 'message' / 'disconnect') or Electron's utilityProcess
 * (process.parentPort, whose messages arrive as `{ data }`; the app going away ends the process).
 * Children such as the model host use this instead of `process.send`, so the desktop app can run
 * them as utility processes (the RunAsNode fuse is off in packaged builds).
 */
export interface ParentChannel {
  send(message: unknown): void;
  onMessage(listener: (message: unknown) => void): void;
  /** The parent is gone (Node's IPC disconnect); utility processes are ended by Electron instead. */
  onDisconnect(listener: () => void): void;
}

interface ParentPortLike {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (e: { data: unknown }) => void): void;
}

export function parentChannel(proc: NodeJS.Process = process): ParentChannel {
  const port = (proc as NodeJS.Process & { parentPort?: ParentPortLike }).parentPort;
  if (port) {
    return {
      send: (m) => port.postMessage(m),
      onMessage: (l) => port.on('message', (e) => l(e.data)),
      onDisconnect: () => undefined,
    };
  }
  return {
    send: (m) => {
      if (proc.connected) proc.send?.(m);
    },
    onMessage: (l) => void proc.on('message', l),
    onDisconnect: (l) => void proc.on('disconnect', l),
  };
}
