/**
 * Requests sent over a message channel and not answered yet, by id: the one bookkeeping behind the
 * API client (renderer, CLI, tests) and the model host's IPC. Packets (streamed values) go to the
 * request's `onPacket`; an abort calls `onAbort(id)` so the other side can stop the work.
 */
export class PendingRequests<Meta = undefined> {
  private nextId = 1;
  private readonly entries = new Map<number, Entry<Meta>>();

  /** Requests waiting for their answer. */
  get size(): number {
    return this.entries.size;
  }

  /**
   * Registers a request and sends it with `send(id)`. A throwing `send` rejects with `sendError(err)`.
   * `signal` aborting calls `onAbort(id)`; the request stays pending until the other side answers.
   */
  open<T>(opts: {
    send(id: number): void;
    meta: Meta;
    signal?: AbortSignal;
    onAbort?(id: number): void;
    onPacket?(value: unknown): void;
    sendError(err: unknown): Error;
  }): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const onAbort = (): void => opts.onAbort?.(id);
      const done = (): void => opts.signal?.removeEventListener('abort', onAbort);
      this.entries.set(id, {
        meta: opts.meta,
        resolve: (v) => (done(), resolve(v as T)),
        reject: (e) => (done(), reject(e)),
        onPacket: opts.onPacket,
      });
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      try {
        opts.send(id);
      } catch (err) {
        this.entries.delete(id);
        done();
        reject(opts.sendError(err));
      }
    });
  }

  /** A streamed value of request `id` (ignored when it is not pending). */
  packet(id: number, value: unknown): void {
    this.entries.get(id)?.onPacket?.(value);
  }

  resolve(id: number, value: unknown): void {
    const e = this.entries.get(id);
    if (!e) return;
    this.entries.delete(id);
    e.resolve(value);
  }

  reject(id: number, err: Error): void {
    const e = this.entries.get(id);
    if (!e) return;
    this.entries.delete(id);
    e.reject(err);
  }

  /** Fails every pending request (the channel is gone), each with the error `errorFor` makes from its meta. */
  failAll(errorFor: (meta: Meta) => Error): void {
    for (const [id, e] of [...this.entries]) {
      this.entries.delete(id);
      e.reject(errorFor(e.meta));
    }
  }
}

interface Entry<Meta> {
  meta: Meta;
  resolve(value: unknown): void;
  reject(err: Error): void;
  onPacket?: (value: unknown) => void;
}
