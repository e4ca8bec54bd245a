import type { LlamaContext, LlamaContextSequence } from 'node-llama-cpp';
import { AppError } from '../../shared/errors.js';

interface Slot {
  seq: LlamaContextSequence;
  key: string | undefined;
  busy: boolean;
  lastUsed: number;
}

/**
 * Hands out the sequences of one context to concurrent requests (one loaded model, several
 * generations batched together). A request with a cache key gets the idle sequence that last
 * served the same key, so a conversation's shared prefix stays evaluated; otherwise the least
 * recently used one. When every sequence is busy, requests wait in order.
 */
export class SequencePool {
  private readonly slots: Slot[] = [];
  private readonly waiters: Array<() => void> = [];

  constructor(private readonly context: LlamaContext) {}

  async acquire(key: string | undefined, signal: AbortSignal): Promise<{ seq: LlamaContextSequence; release(): void }> {
    for (;;) {
      signal.throwIfAborted();
      const slot = this.pick(key);
      if (slot) {
        slot.busy = true;
        slot.key = key;
        return {
          seq: slot.seq,
          release: () => {
            slot.busy = false;
            slot.lastUsed = Date.now();
            this.waiters.shift()?.();
          },
        };
      }
      await new Promise<void>((resolve, reject) => {
        const onAbort = (): void => {
          const i = this.waiters.indexOf(wake);
          if (i >= 0) this.waiters.splice(i, 1);
          reject(signal.reason instanceof Error ? signal.reason : new AppError('CANCELLED', 'Cancelled'));
        };
        const wake = (): void => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        };
        this.waiters.push(wake);
        signal.addEventListener('abort', onAbort, { once: true });
      });
    }
  }

  private pick(key: string | undefined): Slot | null {
    const idle = this.slots.filter((s) => !s.busy);
    const same = key === undefined ? undefined : idle.find((s) => s.key === key);
    if (same) return same;
    if (this.context.sequencesLeft > 0) {
      const slot: Slot = { seq: this.context.getSequence(), key, busy: false, lastUsed: 0 };
      this.slots.push(slot);
      return slot;
    }
    return idle.sort((a, b) => a.lastUsed - b.lastUsed)[0] ?? null;
  }
}
