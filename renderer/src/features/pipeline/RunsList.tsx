import { Badge, Button, Table, Text } from '@mantine/core';
import type { JobInfo, PipelineRecord } from '../../../../electron/shared/contract';
import { formatAgo } from '../../components/format';
import { useStore } from '../../store';

const stateColor: Record<string, string> = {
  queued: 'gray',
  running: 'blue',
  succeeded: 'teal',
  failed: 'red',
  cancelled: 'orange',
  interrupted: 'orange',
};

/** Where a run is, in words: the stage that runs, waits or stopped. */
export function whereIs(record: PipelineRecord, job: JobInfo | undefined): string {
  const open = record.stages.find((s) => s.state !== 'done');
  if (!open) return 'done';
  const active = !job || job.state === 'running' || job.state === 'queued';
  if (open.state === 'waiting') return active ? 'waiting for the sample review' : 'stopped at the sample review';
  if (!active) return open.state === 'pending' ? `stopped before ${open.name}` : `stopped in ${open.name}`;
  return open.state === 'pending' ? `${open.name} next` : `${open.name} ${open.state}`;
}

/** Every LAB run: open one to land on the step where it is. */
export function RunsList({
  runs,
  selected,
  onOpen,
}: {
  runs: PipelineRecord[];
  selected: string | null;
  onOpen: (jobId: string) => void;
}) {
  const jobs = useStore((s) => s.jobsById);
  return (
    <Table aria-label="Pipeline runs" highlightOnHover>
      <Table.Thead>
        <Table.Tr>
          <Table.Th>Run</Table.Th>
          <Table.Th>State</Table.Th>
          <Table.Th>Where</Table.Th>
          <Table.Th>Started</Table.Th>
          <Table.Th />
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {runs.map((r) => {
          const job = jobs[r.jobId];
          return (
            <Table.Tr key={r.jobId} bg={r.jobId === selected ? 'var(--mantine-primary-color-light)' : undefined}>
              <Table.Td>
                <Text size="sm" fw={600}>
                  {r.name}
                </Text>
                <Text size="xs" c="dimmed">
                  {r.params.student} · {r.leaves.length} leaves
                </Text>
              </Table.Td>
              <Table.Td>
                <Badge variant="light" color={stateColor[job?.state ?? ''] ?? 'gray'}>
                  {job?.state ?? 'unknown'}
                </Badge>
              </Table.Td>
              <Table.Td>
                <Text size="sm">{whereIs(r, job)}</Text>
              </Table.Td>
              <Table.Td>
                <Text size="sm">{formatAgo(r.createdAt)}</Text>
              </Table.Td>
              <Table.Td>
                <Button size="compact-xs" variant="light" onClick={() => onOpen(r.jobId)} aria-label={`Open ${r.name}`}>
                  Open
                </Button>
              </Table.Td>
            </Table.Tr>
          );
        })}
      </Table.Tbody>
    </Table>
  );
}
