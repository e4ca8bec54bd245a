import { z } from 'zod';
import { errorInfoSchema } from './errors.js';

/**
 * The wire messages every transport carries (Electron IPC, WebSocket, in-memory). Both directions
 * are plain JSON objects, so the same encoding works everywhere.
 */
export const clientMessageSchema = z.discriminatedUnion('t', [
  z.object({ t: z.literal('call'), id: z.number().int(), method: z.string(), params: z.unknown() }),
  z.object({ t: z.literal('open'), id: z.number().int(), stream: z.string(), params: z.unknown() }),
  z.object({ t: z.literal('cancel'), id: z.number().int() }),
]);
export type ClientMessage = z.infer<typeof clientMessageSchema>;

export type ServerMessage =
  | { t: 'result'; id: number; ok: true; value: unknown }
  | { t: 'result'; id: number; ok: false; error: z.infer<typeof errorInfoSchema> }
  | { t: 'packet'; id: number; value: unknown }
  | { t: 'event'; name: string; payload: unknown };

/** One end of a message pipe; a transport adapts its socket or IPC channel to this. */
export interface MessagePort<In, Out> {
  send(message: Out): void;
  onMessage(listener: (message: In) => void): () => void;
  onClose?(listener: () => void): () => void;
}

/** Name of the single Electron IPC channel the preload pipes through. */
export const IPC_CHANNEL = 'labforge:message';
