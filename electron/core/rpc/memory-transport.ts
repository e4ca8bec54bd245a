import type { ClientMessage, MessagePort, ServerMessage } from '../../shared/protocol.js';

/**
 * An in-memory pair of ports. Messages are cloned through JSON so tests see exactly what a real
 * transport would deliver, and delivered asynchronously like a socket.
 */
export function createMemoryPair(): {
  client: MessagePort<ServerMessage, ClientMessage>;
  server: MessagePort<unknown, ServerMessage>;
  close(): void;
} {
  const toServer = new Set<(m: unknown) => void>();
  const toClient = new Set<(m: ServerMessage) => void>();
  const closeListeners = new Set<() => void>();
  let closed = false;
  const deliver = <T>(set: Set<(m: T) => void>, msg: unknown): void => {
    if (closed) throw new Error('port closed');
    const copy = JSON.parse(JSON.stringify(msg)) as T;
    queueMicrotask(() => {
      if (!closed) for (const l of set) l(copy);
    });
  };
  const onClose = (l: () => void): (() => void) => {
    closeListeners.add(l);
    return () => closeListeners.delete(l);
  };
  return {
    client: {
      send: (m) => deliver(toServer, m),
      onMessage: (l) => (toClient.add(l), () => toClient.delete(l)),
      onClose,
    },
    server: {
      send: (m) => deliver(toClient, m),
      onMessage: (l) => (toServer.add(l), () => toServer.delete(l)),
      onClose,
    },
    close: () => {
      if (closed) return;
      closed = true;
      for (const l of closeListeners) l();
    },
  };
}
