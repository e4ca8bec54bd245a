import { useEffect } from 'react';
import { useStore } from '../../store';
import type { JobLog } from '../../store/job-log-slice';

const EMPTY: JobLog = { lines: [], error: null };

/** A job's log while the component is mounted: the job-log slice follows it (stored lines, then live ones). */
export function useJobLog(id: string | null): JobLog {
  const follow = useStore((s) => s.followJobLog);
  useEffect(() => (id ? follow(id) : undefined), [id, follow]);
  return useStore((s) => (id ? s.jobLogs[id] : undefined)) ?? EMPTY;
}
