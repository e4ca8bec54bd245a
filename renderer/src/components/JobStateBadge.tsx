import { Badge } from '@mantine/core';
import type { JobState } from '../../../electron/shared/contract';

const colors: Record<JobState, string> = {
  queued: 'gray',
  running: 'blue',
  succeeded: 'teal',
  failed: 'red',
  // Cancelled is the user's choice, never an error colour.
  cancelled: 'gray',
  interrupted: 'orange',
};

export function JobStateBadge({ state }: { state: JobState }) {
  return (
    <Badge color={colors[state]} variant={state === 'running' ? 'filled' : 'light'} radius="sm">
      {state}
    </Badge>
  );
}
