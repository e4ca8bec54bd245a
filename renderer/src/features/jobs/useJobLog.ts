import { useEffect, useState } from 'react';
import type { JobLogLine } from '../../../../electron/shared/contract';
import { api, connection } from '../../api/connection';

const MAX_LINES = 5000;

/** A job's log: the stored lines from `jobs.log`, then live `jobs.logged` lines, deduplicated by seq. */
export function useJobLog(id: string | null): { lines: JobLogLine[]; error: string | null } {
  const [state, setState] = useState<{ id: string | null; lines: JobLogLine[]; error: string | null }>({
    id,
    lines: [],
    error: null,
  });

  useEffect(() => {
    if (!id) return;
    const ctrl = new AbortController();
    let lines: JobLogLine[] = [];
    const merge = (incoming: JobLogLine[]): void => {
      const last = lines.at(-1)?.seq ?? -Infinity;
      const fresh = incoming.filter((l) => l.seq > last);
      if (fresh.length === 0) return;
      lines = [...lines, ...fresh].slice(-MAX_LINES);
      setState({ id, lines, error: null });
    };
    // Subscribe first so nothing falls between the fetch and the live stream.
    const buffered: JobLogLine[] = [];
    let fetched = false;
    const off = api.on('jobs.logged', (ev) => {
      if (ev.id !== id) return;
      if (fetched) merge(ev.lines);
      else buffered.push(...ev.lines);
    });
    const load = (): void => {
      api
        .call('jobs.log', { id, afterSeq: lines.at(-1)?.seq, limit: MAX_LINES }, { signal: ctrl.signal })
        .then((stored) => {
          fetched = true;
          merge(stored);
          merge(buffered.splice(0).sort((a, b) => a.seq - b.seq));
        })
        .catch((err: Error) => {
          if (!ctrl.signal.aborted) setState({ id, lines, error: err.message });
        });
    };
    load();
    // Lines logged while the socket was down are fetched again after a reconnect.
    const offState = connection.onState((s) => {
      if (s === 'open') load();
    });
    return () => {
      ctrl.abort();
      off();
      offState();
    };
  }, [id]);

  return state.id === id ? { lines: state.lines, error: state.error } : { lines: [], error: null };
}
