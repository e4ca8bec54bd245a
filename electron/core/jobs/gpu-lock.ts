import { AppError } from '../../shared/errors.js';

interface Waiter {
  owner: string;
  resolve(release: () => void): void;
  reject(err: unknown): void;
}

/**
 * One GPU-heavy job at a time (training, a local teacher, evaluation), so two never fight for
 * the same memory. Waiters queue in order; a waiter's AbortSignal takes it out of the queue.
 */
export class GpuLock {
  private holder: string | null = null;
  private readonly queue: Waiter[] = [];

  get owner(): string | null {
    return this.holder;
  }

  acquire(owner: string, signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(signal.reason ?? new AppError('CANCELLED', 'Cancelled'));
    if (this.holder === null) {
      this.holder = owner;
      return Promise.resolve(this.releaser(owner));
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { owner, resolve, reject };
      this.queue.push(waiter);
      signal?.addEventListener(
        'abort',
        () => {
          const i = this.queue.indexOf(waiter);
          if (i >= 0) {
            this.queue.splice(i, 1);
            reject(signal.reason ?? new AppError('CANCELLED', 'Cancelled'));
          }
        },
        { once: true },
      );
    });
  }

  private releaser(owner: string): () => void {
    let released = false;
    return () => {
      if (released || this.holder !== owner) return;
      released = true;
      const next = this.queue.shift();
      this.holder = next ? next.owner : null;
      if (next) next.resolve(this.releaser(next.owner));
    };
  }
}
