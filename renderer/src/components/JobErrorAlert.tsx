import { Alert } from '@mantine/core';
import { IconAlertCircle } from '@tabler/icons-react';
import type { JobInfo } from '../../../electron/shared/contract';

/** A failed or interrupted job's error and hint (cancelled jobs are never shown as errors). */
export function JobErrorAlert({ job, fallback }: { job: JobInfo; fallback?: string }) {
  if (!job.error || job.state === 'cancelled') return null;
  return (
    <Alert
      color={job.state === 'interrupted' ? 'orange' : 'red'}
      variant="light"
      icon={<IconAlertCircle size={18} />}
      title={job.error.message}
      mb="md"
    >
      {job.error.hint ?? `Error code ${job.error.code}.${fallback ? ` ${fallback}` : ''}`}
    </Alert>
  );
}
