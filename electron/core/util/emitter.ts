export interface Disposable {
  dispose(): void;
}

export type Event<T> = (listener: (value: T) => void) => Disposable;

/** A tiny typed emitter: `onDidX = emitter.event`, subscribe returns a Disposable. */
export class Emitter<T> {
  private readonly listeners = new Set<(value: T) => void>();

  readonly event: Event<T> = (listener) => {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  };

  fire(value: T): void {
    for (const l of [...this.listeners]) {
      try {
        l(value);
      } catch (err) {
        // A broken listener must not stop the others (or the emitting service).
        console.error('[emitter] listener failed:', err);
      }
    }
  }

  dispose(): void {
    this.listeners.clear();
  }
}
