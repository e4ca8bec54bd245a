import { useEffect, useState } from 'react';
import type { CatalogEntry, FitResult } from '../../../../electron/shared/contract';
import { api } from '../../api/connection';

export interface EntryFit {
  chat: FitResult | null;
  train: FitResult | null;
  error: string | null;
  pending: boolean;
}

/** The estimator's answer (`hardware.fit`) for chatting with an entry's GGUF and, for students, LoRA training. */
export function useFit(entry: CatalogEntry): EntryFit {
  const [fit, setFit] = useState<EntryFit>({ chat: null, train: null, error: null, pending: true });
  useEffect(() => {
    let live = true;
    const hasGguf = entry.sources.some((s) => s.kind === 'gguf');
    const chat = hasGguf
      ? api.call('hardware.fit', { model: entry.id, task: 'chat', context: 4096 })
      : Promise.resolve(null);
    const train = entry.roles.includes('student')
      ? api.call('hardware.fit', {
          shape: { name: entry.name, parameters: entry.parameters, maxContext: entry.contextLength },
          task: 'train',
          method: 'lora',
        })
      : Promise.resolve(null);
    Promise.all([chat, train]).then(
      ([c, t]) => live && setFit({ chat: c, train: t, error: null, pending: false }),
      (err: unknown) => live && setFit({ chat: null, train: null, error: (err as Error).message, pending: false }),
    );
    return () => {
      live = false;
    };
  }, [entry]);
  return fit;
}
