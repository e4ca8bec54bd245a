import { ApiClient } from '../../../electron/shared/client';
import type { ClientMessage, MessagePort, ServerMessage } from '../../../electron/shared/protocol';

interface Bridge {
  send(message: unknown): void;
  onMessage(listener: (message: unknown) => void): () => void;
}

declare global {
  interface Window {
    /** Set by the Electron preload; absent in a browser served by `labforge serve`. */
    labforgeBridge?: Bridge;
  }
}

export type ConnectionState = 'connecting' | 'open' | 'closed';

/**
 * A WebSocket port that reconnects with back-off. Calls made while it is down fail with
 * DISCONNECTED (never hang); `onState` tells the UI, which refetches after a reconnect.
 */
class ReconnectingSocketPort implements MessagePort<ServerMessage, ClientMessage> {
  private ws: WebSocket | null = null;
  private readonly listeners = new Set<(m: ServerMessage) => void>();
  private readonly closeListeners = new Set<() => void>();
  private readonly stateListeners = new Set<(s: ConnectionState) => void>();
  private queue: string[] = [];
  private delay = 250;
  state: ConnectionState = 'connecting';

  constructor(private readonly url: string) {
    this.open();
  }

  private setState(s: ConnectionState): void {
    this.state = s;
    for (const l of this.stateListeners) l(s);
  }

  private open(): void {
    this.setState('connecting');
    const ws = new WebSocket(this.url);
    this.ws = ws;
    ws.onopen = () => {
      this.delay = 250;
      for (const m of this.queue) ws.send(m);
      this.queue = [];
      this.setState('open');
    };
    ws.onmessage = (e) => {
      const msg = JSON.parse(String(e.data)) as ServerMessage;
      for (const l of this.listeners) l(msg);
    };
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.queue = [];
      for (const l of this.closeListeners) l();
      this.setState('closed');
      setTimeout(() => this.open(), this.delay);
      this.delay = Math.min(this.delay * 2, 5000);
    };
  }

  send(message: ClientMessage): void {
    const data = JSON.stringify(message);
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(data);
    else if (this.state === 'connecting') this.queue.push(data);
    else throw new Error('not connected');
  }

  onMessage(listener: (m: ServerMessage) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onClose(listener: () => void): () => void {
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  onState(listener: (s: ConnectionState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }
}

function bridgePort(bridge: Bridge): MessagePort<ServerMessage, ClientMessage> {
  return {
    send: (m) => bridge.send(m),
    onMessage: (l) => bridge.onMessage((m) => l(m as ServerMessage)),
  };
}

/** The only renderer code that knows about hosts: IPC inside Electron, the WebSocket otherwise. */
function connect(): {
  api: ApiClient;
  onState(l: (s: ConnectionState) => void): () => void;
  transport: 'ipc' | 'websocket';
} {
  if (window.labforgeBridge) {
    return { api: new ApiClient(bridgePort(window.labforgeBridge)), onState: () => () => undefined, transport: 'ipc' };
  }
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const port = new ReconnectingSocketPort(`${scheme}://${location.host}/ws`);
  return { api: new ApiClient(port), onState: (l) => port.onState(l), transport: 'websocket' };
}

export const connection = connect();
export const api = connection.api;
