import { Button, Paper, Progress, Table, Text, VisuallyHidden } from '@mantine/core';
import { IconChartLine } from '@tabler/icons-react';
import type { JobInfo } from '../../../../electron/shared/contract';
import { JobStateBadge } from '../../components/JobStateBadge';
import { formatDuration, formatTime } from '../../components/format';
import { isActive } from '../../store/jobs-slice';
import { formatLoss } from './chart-data';

const num = { fontVariantNumeric: 'tabular-nums', whiteSpace: 'nowrap' } as const;

function RunProgress({ job }: { job: JobInfo }) {
  const { fraction, stage } = job.progress;
  const active = isActive(job);
  const pct = job.state === 'succeeded' ? 100 : Math.round((fraction ?? 0) * 1000) / 10;
  const color = job.state === 'failed' ? 'red' : job.state === 'succeeded' ? 'teal' : active ? 'blue' : 'gray';
  return (
    <div style={{ minWidth: 160 }}>
      <Progress
        value={pct}
        color={color}
        radius="xl"
        size="sm"
        animated={job.state === 'running'}
        striped={job.state === 'running' && fraction === null}
        aria-label={`${job.title} progress`}
        transitionDuration={150}
      />
      <Text size="xs" c="dimmed" mt={4} truncate>
        {active ? (stage ?? (job.state === 'queued' ? 'waiting for the GPU' : 'starting')) : `${Math.floor(pct)}%`}
      </Text>
    </div>
  );
}

/** Every training run, newest first; choosing one opens its detail below. */
export function RunsTable({
  runs,
  selected,
  onSelect,
}: {
  runs: JobInfo[];
  selected: string | null;
  onSelect: (id: string) => void;
}) {
  return (
    <Paper withBorder radius="md" style={{ overflow: 'hidden' }}>
      <Table.ScrollContainer minWidth={900}>
        <Table verticalSpacing="sm" horizontalSpacing="md" highlightOnHover aria-label="Training runs">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Run</Table.Th>
              <Table.Th>State</Table.Th>
              <Table.Th w="24%">Progress</Table.Th>
              <Table.Th>Loss</Table.Th>
              <Table.Th>Tokens/s</Table.Th>
              <Table.Th>Time left</Table.Th>
              <Table.Th>
                <VisuallyHidden>Actions</VisuallyHidden>
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {runs.map((job) => {
              const m = job.progress.metrics;
              const isSel = job.id === selected;
              return (
                <Table.Tr key={job.id} bg={isSel ? 'var(--mantine-primary-color-light)' : undefined}>
                  <Table.Td maw={300}>
                    <Text size="sm" fw={600} truncate>
                      {job.title}
                    </Text>
                    <Text size="xs" c="dimmed">
                      {formatTime(job.startedAt ?? job.createdAt)}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <JobStateBadge state={job.state} />
                  </Table.Td>
                  <Table.Td>
                    <RunProgress job={job} />
                  </Table.Td>
                  <Table.Td style={num}>{formatLoss(m.loss)}</Table.Td>
                  <Table.Td style={num}>
                    {m.tokensPerSec === undefined ? '—' : Math.round(m.tokensPerSec).toLocaleString()}
                  </Table.Td>
                  <Table.Td style={num}>{isActive(job) ? formatDuration(job.progress.etaSeconds) : '—'}</Table.Td>
                  <Table.Td>
                    <Button
                      size="xs"
                      variant={isSel ? 'filled' : 'default'}
                      leftSection={<IconChartLine size={14} aria-hidden />}
                      onClick={() => onSelect(job.id)}
                      aria-label={`Show ${job.title}`}
                      aria-pressed={isSel}
                    >
                      Show
                    </Button>
                  </Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </Paper>
  );
}
