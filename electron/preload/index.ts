import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';

// A pipe, not an API: adding an endpoint never touches this file. The channel name is repeated
// here (not imported) because a sandboxed preload is bundled on its own.
const CHANNEL = 'labforge:message';

contextBridge.exposeInMainWorld('labforgeBridge', {
  send: (message: unknown) => ipcRenderer.send(CHANNEL, message),
  onMessage: (listener: (message: unknown) => void) => {
    const h = (_e: IpcRendererEvent, m: unknown): void => listener(m);
    ipcRenderer.on(CHANNEL, h);
    return () => ipcRenderer.off(CHANNEL, h);
  },
});
