import { Button, Group } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconPlayerPlay, IconX } from '@tabler/icons-react';
import { useState } from 'react';
import type { JobInfo } from '../../../electron/shared/contract';
import type { AppError } from '../../../electron/shared/errors';
import { api } from '../api/connection';

export const canResume = (job: JobInfo): boolean =>
  job.resumable && (job.state === 'interrupted' || job.state === 'failed' || job.state === 'cancelled');

function showError(title: string, err: unknown): void {
  const e = err as AppError;
  notifications.show({ color: 'red', title, message: e.hint ? `${e.message} ${e.hint}` : e.message });
}

/** Cancel / Resume for one job. The store updates from `jobs.changed`, not from these replies. */
export function JobActions({ job, size = 'xs' }: { job: JobInfo; size?: 'xs' | 'compact-xs' | 'sm' }) {
  const [busy, setBusy] = useState(false);
  const act = async (method: 'jobs.cancel' | 'jobs.resume'): Promise<void> => {
    setBusy(true);
    try {
      await api.call(method, { id: job.id });
    } catch (err) {
      showError(method === 'jobs.cancel' ? 'Could not cancel' : 'Could not resume', err);
    } finally {
      setBusy(false);
    }
  };
  const active = job.state === 'queued' || job.state === 'running';
  if (!active && !canResume(job)) return null;
  return (
    <Group gap="xs" wrap="nowrap">
      {active && (
        <Button
          size={size}
          variant="light"
          color="red"
          leftSection={<IconX size={14} aria-hidden />}
          loading={busy}
          onClick={() => void act('jobs.cancel')}
          aria-label={`Cancel ${job.title}`}
        >
          Cancel
        </Button>
      )}
      {canResume(job) && (
        <Button
          size={size}
          variant="light"
          leftSection={<IconPlayerPlay size={14} aria-hidden />}
          loading={busy}
          onClick={() => void act('jobs.resume')}
          aria-label={`Resume ${job.title}`}
        >
          Resume
        </Button>
      )}
    </Group>
  );
}
