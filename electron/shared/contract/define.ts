import type { z } from 'zod';

/** A request → result endpoint. */
export interface RpcDef<P extends z.ZodType = z.ZodType, R extends z.ZodType = z.ZodType> {
  readonly kind: 'rpc';
  readonly params: P;
  readonly result: R;
}

/** A server → client stream of packets; the client may cancel it. */
export interface StreamDef<P extends z.ZodType = z.ZodType, T extends z.ZodType = z.ZodType> {
  readonly kind: 'stream';
  readonly params: P;
  readonly packet: T;
}

/** A broadcast from the core to every connected window or browser. */
export interface EventDef<T extends z.ZodType = z.ZodType> {
  readonly kind: 'event';
  readonly payload: T;
}

export const rpc = <P extends z.ZodType, R extends z.ZodType>(params: P, result: R): RpcDef<P, R> => ({
  kind: 'rpc',
  params,
  result,
});

export const stream = <P extends z.ZodType, T extends z.ZodType>(params: P, packet: T): StreamDef<P, T> => ({
  kind: 'stream',
  params,
  packet,
});

export const event = <T extends z.ZodType>(payload: T): EventDef<T> => ({ kind: 'event', payload });
