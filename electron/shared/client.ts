import { AppError, type ErrorInfo } from './errors.js';
import type {
  EventName,
  EventPayload,
  RpcName,
  RpcParams,
  RpcResult,
  StreamName,
  StreamPacket,
  StreamParams,
} from './contract/index.js';
import { PendingRequests } from './pending-requests.js';
import type { ClientMessage, MessagePort, ServerMessage } from './protocol.js';

/**
 * The typed API client. It knows nothing about hosts: give it a port (IPC bridge, WebSocket,
 * in-memory pair) and it speaks the contract over it.
 */
export class ApiClient {
  private readonly pending = new PendingRequests();
  private readonly listeners = new Map<string, Set<(payload: unknown) => void>>();
  private readonly detach: () => void;

  constructor(private readonly port: MessagePort<ServerMessage, ClientMessage>) {
    this.detach = port.onMessage((msg) => this.receive(msg));
    port.onClose?.(() => this.failAll({ code: 'DISCONNECTED', message: 'The connection to LabForge was lost' }));
  }

  /** Calls an rpc endpoint; an AbortSignal cancels it on the server too. */
  call<N extends RpcName>(method: N, params: RpcParams<N>, opts: { signal?: AbortSignal } = {}): Promise<RpcResult<N>> {
    return this.request({ t: 'call', method, params }, opts.signal) as Promise<RpcResult<N>>;
  }

  /** Opens a stream; resolves when the server ends it, rejects with CANCELLED when aborted. */
  stream<N extends StreamName>(
    name: N,
    params: StreamParams<N>,
    onPacket: (packet: StreamPacket<N>) => void,
    opts: { signal?: AbortSignal } = {},
  ): Promise<void> {
    return this.request({ t: 'open', stream: name, params }, opts.signal, (v) => onPacket(v as StreamPacket<N>)).then(
      () => undefined,
    );
  }

  /** Subscribes to a broadcast event; returns the unsubscribe function. */
  on<N extends EventName>(name: N, listener: (payload: EventPayload<N>) => void): () => void {
    let set = this.listeners.get(name);
    if (!set) this.listeners.set(name, (set = new Set()));
    const l = listener as (payload: unknown) => void;
    set.add(l);
    return () => set.delete(l);
  }

  dispose(): void {
    this.detach();
    this.failAll({ code: 'DISCONNECTED', message: 'The API client was closed' });
  }

  private request(
    msg: { t: 'call'; method: string; params: unknown } | { t: 'open'; stream: string; params: unknown },
    signal: AbortSignal | undefined,
    onPacket?: (value: unknown) => void,
  ): Promise<unknown> {
    if (signal?.aborted) return Promise.reject(new AppError('CANCELLED', 'Cancelled'));
    return this.pending.open({
      meta: undefined,
      send: (id) => this.port.send({ ...msg, id } as ClientMessage),
      signal,
      onAbort: (id) => this.port.send({ t: 'cancel', id }),
      onPacket,
      sendError: (err) => new AppError('DISCONNECTED', `Could not send the request: ${(err as Error).message}`),
    });
  }

  private receive(msg: ServerMessage): void {
    if (msg.t === 'event') {
      for (const l of this.listeners.get(msg.name) ?? []) l(msg.payload);
      return;
    }
    if (msg.t === 'packet') this.pending.packet(msg.id, msg.value);
    else if (msg.ok) this.pending.resolve(msg.id, msg.value);
    else this.pending.reject(msg.id, AppError.from(msg.error as ErrorInfo));
  }

  private failAll(info: ErrorInfo): void {
    this.pending.failAll(() => AppError.from(info));
  }
}
