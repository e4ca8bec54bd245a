import { notifications } from '@mantine/notifications';
import { useEffect } from 'react';
import type { JobInfo } from '../../../electron/shared/contract';
import { useStore } from '../store';
import { endedStates } from '../store/jobs-slice';

function notify(job: JobInfo): void {
  const base = { id: `job-${job.id}-${job.state}`, autoClose: 6000 } as const;
  switch (job.state) {
    case 'succeeded':
      notifications.show({
        ...base,
        color: 'teal',
        title: `${job.title} finished`,
        message: 'The job completed successfully.',
      });
      break;
    case 'failed':
      notifications.show({
        ...base,
        color: 'red',
        autoClose: 12000,
        title: `${job.title} failed`,
        message: [job.error?.message, job.error?.hint].filter(Boolean).join(' ') || 'See the Jobs page for its log.',
      });
      break;
    case 'cancelled':
      // The user asked for it: a quiet, neutral note, never an error.
      notifications.show({ ...base, color: 'gray', title: `${job.title} cancelled`, message: 'Stopped as requested.' });
      break;
    case 'interrupted':
      notifications.show({
        ...base,
        color: 'orange',
        title: `${job.title} interrupted`,
        message: 'It can be resumed from the Jobs page if its kind allows.',
      });
      break;
    default:
  }
}

/** Shows a notification whenever a job the UI saw active reaches an end state. */
export function useJobNotifications(): void {
  useEffect(
    () =>
      useStore.subscribe((s, prev) => {
        if (s.jobsById === prev.jobsById) return;
        for (const job of Object.values(s.jobsById)) {
          const before = prev.jobsById[job.id];
          const wasActive = before ? !endedStates.has(before.state) : prev.jobsLoaded;
          if (wasActive && endedStates.has(job.state) && before?.state !== job.state) notify(job);
        }
      }),
    [],
  );
}
