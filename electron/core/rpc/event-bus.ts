import type { EventName, EventPayload } from '../../shared/contract/index.js';
import { Emitter, type Disposable } from '../util/emitter.js';

export interface BusEvent {
  name: EventName;
  payload: unknown;
}

/** Where services publish contract events; every transport connection forwards them to its client. */
export class EventBus {
  private readonly emitter = new Emitter<BusEvent>();

  emit<N extends EventName>(name: N, payload: EventPayload<N>): void {
    this.emitter.fire({ name, payload });
  }

  subscribe(listener: (e: BusEvent) => void): Disposable {
    return this.emitter.event(listener);
  }

  dispose(): void {
    this.emitter.dispose();
  }
}
