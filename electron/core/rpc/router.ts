import type { z } from 'zod';
import {
  contract,
  type RpcName,
  type RpcParsedParams,
  type RpcResult,
  type StreamName,
  type StreamPacket,
  type StreamParsedParams,
} from '../../shared/contract/index.js';
import { AppError, toErrorInfo } from '../../shared/errors.js';
import {
  clientMessageSchema,
  type ClientMessage,
  type MessagePort,
  type ServerMessage,
} from '../../shared/protocol.js';
import type { Disposable } from '../util/emitter.js';
import type { EventBus } from './event-bus.js';

export type TransportKind = 'ipc' | 'websocket' | 'memory';

export interface CallContext {
  signal: AbortSignal;
  transport: TransportKind;
}

export type RpcHandler<N extends RpcName> = (
  params: RpcParsedParams<N>,
  ctx: CallContext,
) => Promise<RpcResult<N>> | RpcResult<N>;

export type StreamHandler<N extends StreamName> = (
  params: StreamParsedParams<N>,
  ctx: CallContext & { send(packet: StreamPacket<N>): void },
) => Promise<void>;

/** One handler per contract endpoint; a missing or extra one fails to compile. */
export type Handlers = { [N in RpcName]: RpcHandler<N> } & { [N in StreamName]: StreamHandler<N> };

type AnyHandler = (params: unknown, ctx: CallContext & { send(p: unknown): void }) => unknown;

/**
 * The transport-agnostic router: validates each request against the contract, runs its handler,
 * encodes errors as `{ code, message, hint, details }`, forwards cancellation and broadcasts events.
 */
export class Router {
  constructor(
    private readonly handlers: Handlers,
    private readonly bus: EventBus,
  ) {}

  /** Serves one client over `port` until it closes or the returned Disposable is disposed. */
  connect(port: MessagePort<unknown, ServerMessage>, transport: TransportKind): Disposable {
    const inflight = new Map<number, AbortController>();
    const safeSend = (msg: ServerMessage): void => {
      try {
        port.send(msg);
      } catch {
        // The client went away; its in-flight work is aborted by the close handler.
      }
    };
    const sub = this.bus.subscribe((e) => safeSend({ t: 'event', name: e.name, payload: e.payload }));
    const offMessage = port.onMessage((raw) => this.handle(raw, transport, inflight, safeSend));
    const close = (): void => {
      sub.dispose();
      offMessage();
      for (const ac of inflight.values()) ac.abort(new AppError('CANCELLED', 'The client disconnected'));
      inflight.clear();
    };
    const offClose = port.onClose?.(close);
    return {
      dispose: () => {
        offClose?.();
        close();
      },
    };
  }

  private handle(
    raw: unknown,
    transport: TransportKind,
    inflight: Map<number, AbortController>,
    send: (msg: ServerMessage) => void,
  ): void {
    const parsed = clientMessageSchema.safeParse(raw);
    if (!parsed.success) {
      const id = typeof raw === 'object' && raw !== null && 'id' in raw && typeof raw.id === 'number' ? raw.id : -1;
      send({
        t: 'result',
        id,
        ok: false,
        error: { code: 'INVALID_REQUEST', message: 'Malformed message', details: parsed.error.issues },
      });
      return;
    }
    const msg: ClientMessage = parsed.data;
    if (msg.t === 'cancel') {
      inflight.get(msg.id)?.abort(new AppError('CANCELLED', 'Cancelled by the client'));
      return;
    }
    const name = msg.t === 'call' ? msg.method : msg.stream;
    const def = Object.hasOwn(contract, name) ? contract[name as keyof typeof contract] : undefined;
    const expected = msg.t === 'call' ? 'rpc' : 'stream';
    if (!def || def.kind !== expected) {
      send({
        t: 'result',
        id: msg.id,
        ok: false,
        error: { code: 'UNKNOWN_METHOD', message: `Unknown ${expected === 'rpc' ? 'method' : 'stream'} "${name}"` },
      });
      return;
    }
    const schema = (def as { params: z.ZodType }).params;
    const params = schema.safeParse(msg.params ?? {});
    if (!params.success) {
      send({
        t: 'result',
        id: msg.id,
        ok: false,
        error: {
          code: 'INVALID_REQUEST',
          message: `Invalid params for ${name}: ${params.error.issues
            .map((i) => `${i.path.length ? i.path.join('.') : '(params)'}: ${i.message}`)
            .join('; ')}`,
          details: params.error.issues.map((i) => ({ path: i.path, message: i.message })),
        },
      });
      return;
    }
    const ac = new AbortController();
    inflight.set(msg.id, ac);
    const handler = this.handlers[name as keyof Handlers] as unknown as AnyHandler;
    const ctx = {
      signal: ac.signal,
      transport,
      send: (packet: unknown) => {
        if (!ac.signal.aborted) send({ t: 'packet', id: msg.id, value: packet });
      },
    };
    Promise.resolve()
      .then(() => handler(params.data, ctx))
      .then((value) => {
        // The client cancelled: whatever the handler made of that (some finish anyway), the
        // answer is CANCELLED, so an aborted call never looks like a success.
        if (ac.signal.aborted) throw new AppError('CANCELLED', 'Cancelled by the client');
        send({ t: 'result', id: msg.id, ok: true, value: msg.t === 'open' ? null : (value ?? null) });
      })
      .then(
        () => undefined,
        (err: unknown) => {
          const info = toErrorInfo(err);
          if (info.code === 'INTERNAL') console.error(`[router] ${name} failed:`, err);
          send({ t: 'result', id: msg.id, ok: false, error: info });
        },
      )
      .finally(() => inflight.delete(msg.id));
  }
}
