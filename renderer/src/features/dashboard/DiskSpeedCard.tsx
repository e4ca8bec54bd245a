import { Button, Group, NativeSelect, Paper, SimpleGrid, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconGauge } from '@tabler/icons-react';
import { useState } from 'react';
import { jobResult, type JobInfo } from '../../../../electron/shared/contract';
import type { AppError } from '../../../../electron/shared/errors';
import { api } from '../../api/connection';
import { JobActions } from '../../components/JobActions';
import { JobProgress } from '../../components/JobProgress';
import { JobStateBadge } from '../../components/JobStateBadge';
import { formatTime } from '../../components/format';
import { isActive } from '../../store/jobs-slice';

const sizes = [
  { value: '256', label: '256 MB (quick)' },
  { value: '1024', label: '1 GB' },
  { value: '4096', label: '4 GB' },
  { value: '8192', label: '8 GB (thorough)' },
];

function Figure({ label, value }: { label: string; value: number | undefined }) {
  return (
    <div>
      <Text size="xs" tt="uppercase" fw={700} c="dimmed">
        {label}
      </Text>
      <Text fz={28} fw={700} lh={1.2} style={{ fontVariantNumeric: 'tabular-nums' }} aria-label={`${label} speed`}>
        {value === undefined ? '—' : value.toLocaleString()}
        <Text span size="sm" c="dimmed" fw={500}>
          {' '}
          MB/s
        </Text>
      </Text>
    </div>
  );
}

/** Sequential write/read speed of the data folder's disk, where models and checkpoints live. */
export function DiskSpeedCard({ job, lastGood }: { job: JobInfo | undefined; lastGood: JobInfo | undefined }) {
  const [size, setSize] = useState('1024');
  const [starting, setStarting] = useState(false);
  const running = job !== undefined && isActive(job);
  // Live figures while a test runs; otherwise those of the last test that finished (a cancelled
  // test's partial numbers would mislead).
  const result = lastGood ? jobResult('system.benchmarkDisk', lastGood) : null;
  const write = running ? job.progress.metrics.writeMbPerSec : result?.writeMbPerSec;
  const read = running ? job.progress.metrics.readMbPerSec : result?.readMbPerSec;
  const figuresNote = running
    ? 'Figures update live while the test runs.'
    : lastGood && lastGood !== job
      ? `Figures from the last completed test (${lastGood.title}, ${formatTime(lastGood.endedAt)}).`
      : null;

  const start = async (): Promise<void> => {
    setStarting(true);
    try {
      await api.call('system.benchmarkDisk', { sizeMb: Number(size) });
    } catch (err) {
      notifications.show({ color: 'red', title: 'Could not start the disk test', message: (err as AppError).message });
    } finally {
      setStarting(false);
    }
  };

  return (
    <Paper withBorder radius="md" p="lg" component="section" aria-labelledby="disk-title">
      <Group justify="space-between" align="flex-end" mb="md" wrap="wrap" gap="md">
        <div>
          <Title order={2} size="h4" id="disk-title">
            Disk speed
          </Title>
          <Text size="xs" c="dimmed">
            How fast downloads, datasets and checkpoints will be written where LabForge keeps its data.
          </Text>
        </div>
        <Group gap="sm" align="flex-end" wrap="nowrap">
          <NativeSelect
            label="Test size"
            data={sizes}
            value={size}
            onChange={(e) => setSize(e.currentTarget.value)}
            disabled={running}
            w={170}
          />
          <Button
            leftSection={<IconGauge size={16} aria-hidden />}
            onClick={() => void start()}
            loading={starting}
            disabled={running}
          >
            Test disk speed
          </Button>
        </Group>
      </Group>
      {job ? (
        <>
          <SimpleGrid cols={{ base: 1, xs: 3 }} spacing="lg" mb="md">
            <Figure label="Write" value={write} />
            <Figure label="Read" value={read} />
            <div>
              <Text size="xs" tt="uppercase" fw={700} c="dimmed">
                Last test
              </Text>
              <Group gap="xs" mt={6}>
                <JobStateBadge state={job.state} />
                <Text size="xs" c="dimmed">
                  {formatTime(job.startedAt ?? job.createdAt)}
                </Text>
              </Group>
            </div>
          </SimpleGrid>
          {running && (
            <Group align="flex-start" gap="md" wrap="nowrap">
              <div style={{ flex: 1, minWidth: 0 }}>
                <JobProgress job={job} />
              </div>
              <JobActions job={job} size="xs" />
            </Group>
          )}
          {figuresNote && (
            <Text size="xs" c="dimmed" mt="xs">
              {figuresNote}
            </Text>
          )}
          {job.state === 'failed' && job.error && (
            <Text size="sm" c="red" mt="xs">
              {job.error.message} {job.error.hint}
            </Text>
          )}
        </>
      ) : (
        <Text size="sm" c="dimmed">
          No test run yet. Pick a size and start one; a larger file gives a figure closer to what long checkpoint writes
          will see. The test file is removed afterwards.
        </Text>
      )}
    </Paper>
  );
}
