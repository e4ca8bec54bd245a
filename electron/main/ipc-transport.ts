import { ipcMain, type IpcMainEvent, type WebContents } from 'electron';
import { IPC_CHANNEL, type ServerMessage } from '../shared/protocol.js';
import type { Router } from '../core/rpc/router.js';
import type { Disposable } from '../core/util/emitter.js';

/**
 * Mounts the router on Electron IPC for one window. Only messages from that window's own main
 * frame, showing our own page, are accepted.
 */
export function mountIpc(
  router: Pick<Router, 'connect'>,
  contents: WebContents,
  isTrustedUrl: (url: string) => boolean,
): Disposable {
  const listeners = new Set<(m: unknown) => void>();
  const closeListeners = new Set<() => void>();
  const onMessage = (event: IpcMainEvent, msg: unknown): void => {
    if (event.sender !== contents) return;
    const frame = event.senderFrame;
    if (!frame || frame !== contents.mainFrame || !isTrustedUrl(frame.url)) {
      console.warn(`[ipc] dropped a message from an untrusted frame: ${frame?.url ?? 'unknown'}`);
      return;
    }
    for (const l of listeners) l(msg);
  };
  ipcMain.on(IPC_CHANNEL, onMessage);
  const conn = router.connect(
    {
      send: (m: ServerMessage) => {
        if (!contents.isDestroyed()) contents.send(IPC_CHANNEL, m);
      },
      onMessage: (l) => (listeners.add(l), () => listeners.delete(l)),
      onClose: (l) => (closeListeners.add(l), () => closeListeners.delete(l)),
    },
    'ipc',
  );
  const dispose = (): void => {
    ipcMain.off(IPC_CHANNEL, onMessage);
    for (const l of closeListeners) l();
    conn.dispose();
  };
  contents.once('destroyed', dispose);
  contents.on('did-start-navigation', (details) => {
    // A reload starts a new renderer session: drop the old one's in-flight calls.
    if (details.isMainFrame && !details.isSameDocument) for (const l of closeListeners) l();
  });
  return { dispose };
}
