import { Alert, Button, Group, Text, Title } from '@mantine/core';
import { IconPlayerPlay, IconX } from '@tabler/icons-react';
import { useState } from 'react';
import type { JobInfo, PipelineRecord } from '../../../../electron/shared/contract';
import { canResume } from '../../components/JobActions';
import { messageOf } from '../../components/message-of';
import { api } from '../../api/connection';
import { whereIs } from './RunsList';

const STOPPED = new Set(['failed', 'cancelled', 'interrupted']);
const VERB: Record<string, string> = { failed: 'failed', cancelled: 'was cancelled', interrupted: 'was interrupted' };

/** The open run: where it is, why it stopped (which stage, its error and last lines), Resume and Cancel. */
export function RunBanner({ record, job }: { record: PipelineRecord; job: JobInfo | undefined }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const act = async (method: 'jobs.cancel' | 'jobs.resume'): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      await api.call(method, { id: record.jobId });
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };
  const active = job?.state === 'running' || job?.state === 'queued';
  const stopped = job ? STOPPED.has(job.state) : false;
  // The stage that stopped: the one with an error, else the first one not done (an interrupted run's).
  const failedStage =
    record.stages.find((s) => s.state === 'failed' || s.state === 'cancelled' || s.error) ??
    record.stages.find((s) => s.state !== 'done');
  const where = whereIs(record, job);

  return (
    <div>
      <Group justify="space-between" mb="xs">
        <div>
          <Title order={2} size="h4">
            {record.name}
          </Title>
          <Text size="xs" c="dimmed" style={{ wordBreak: 'break-all' }}>
            {job?.state ?? 'unknown'} · {where} · {record.out}
          </Text>
        </div>
        <Group gap="xs">
          {active && (
            <Button
              variant="light"
              color="red"
              leftSection={<IconX size={16} aria-hidden />}
              loading={busy}
              onClick={() => void act('jobs.cancel')}
            >
              Cancel run
            </Button>
          )}
          {job && canResume(job) && (
            <Button
              leftSection={<IconPlayerPlay size={16} aria-hidden />}
              loading={busy}
              onClick={() => void act('jobs.resume')}
            >
              Resume run
            </Button>
          )}
        </Group>
      </Group>
      {stopped && (
        <Alert
          color="orange"
          variant="light"
          title={`The run ${VERB[job!.state] ?? job!.state}${failedStage ? ` in the ${failedStage.name} stage` : ''}`}
          mb="sm"
          role="status"
        >
          {!failedStage?.error && job?.error && <Text size="sm">{job.error.message}</Text>}
          <Text size="sm">
            {job && canResume(job)
              ? 'Resume goes on from the stage that stopped; finished stages are not redone.'
              : 'This run cannot be resumed.'}
          </Text>
        </Alert>
      )}
      {error && (
        <Text c="red" size="sm" role="alert">
          {error}
        </Text>
      )}
    </div>
  );
}
