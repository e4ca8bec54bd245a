import { AppError } from '../../shared/errors.js';
import { tryLockFile } from '../store/data-dir-lock.js';

interface Waiter {
  owner: string;
  resolve(release: () => void): void;
  reject(err: unknown): void;
}

/**
 * One GPU-heavy job at a time (training, a local teacher, evaluation), so two never fight for
 * the same memory. Waiters queue in order; a waiter's AbortSignal takes it out of the queue.
 *
 * With a machine lock file, the holder also takes that file before it runs, so the rule holds
 * across processes (two data folders, or a second LabForge) and not only inside this one.
 */
export class GpuLock {
  private holder: string | null = null;
  private readonly queue: Waiter[] = [];

  constructor(
    private readonly machineLockFile: string | null = null,
    private readonly pollMs = 500,
  ) {}

  get owner(): string | null {
    return this.holder;
  }

  /** Resolves with the release function once this process's queue and the machine lock allow it. */
  async acquire(owner: string, signal?: AbortSignal, onWait?: (holder: string) => void): Promise<() => void> {
    const release = await this.acquireHere(owner, signal);
    if (!this.machineLockFile) return release;
    try {
      const machine = await this.acquireMachine(owner, signal, onWait);
      return () => {
        machine();
        release();
      };
    } catch (err) {
      release();
      throw err;
    }
  }

  private async acquireMachine(
    owner: string,
    signal: AbortSignal | undefined,
    onWait?: (holder: string) => void,
  ): Promise<() => void> {
    for (;;) {
      signal?.throwIfAborted();
      const got = tryLockFile(this.machineLockFile!, `GPU job ${owner}`);
      if (got.ok) return got.release;
      onWait?.(`${got.owner.what} (pid ${got.owner.pid})`);
      // One abort listener per wait, removed when the wait ends: a job may wait for hours.
      await new Promise<void>((resolve) => {
        const done = (): void => {
          clearTimeout(t);
          signal?.removeEventListener('abort', done);
          resolve();
        };
        const t = setTimeout(done, this.pollMs);
        signal?.addEventListener('abort', done, { once: true });
      });
    }
  }

  private acquireHere(owner: string, signal?: AbortSignal): Promise<() => void> {
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
