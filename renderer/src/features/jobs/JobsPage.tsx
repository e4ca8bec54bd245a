import { Button, EmptyState, Group, Paper, Table, Text, Title } from '@mantine/core';
import { IconFileText, IconListCheck } from '@tabler/icons-react';
import { useEffect, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { JobInfo } from '../../../../electron/shared/contract';
import { JobErrorAlert } from '../../components/JobErrorAlert';
import { JobActions } from '../../components/JobActions';
import { JobProgress } from '../../components/JobProgress';
import { JobStateBadge } from '../../components/JobStateBadge';
import { PageHeader } from '../../components/PageHeader';
import { formatDuration, formatTime, kindLabel } from '../../components/format';
import { useStore } from '../../store';
import { isActive, sortJobs } from '../../store/jobs-slice';
import { JobLog } from './JobLog';

/** Ticks once a second while something runs, so durations count up. */
function useNow(active: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [active]);
  return now;
}

function duration(job: JobInfo, now: number): string {
  if (!job.startedAt) return '—';
  return formatDuration(((job.endedAt ?? now) - job.startedAt) / 1000);
}

function JobDetails({ job }: { job: JobInfo }) {
  return (
    <Paper withBorder radius="md" p="lg" mt="lg" component="section" aria-labelledby="job-details-title">
      <Group justify="space-between" mb="sm" wrap="nowrap">
        <div style={{ minWidth: 0 }}>
          <Title order={2} size="h4" id="job-details-title">
            {job.title}
          </Title>
          <Text size="xs" c="dimmed">
            {kindLabel(job.kind)} · {job.id}
          </Text>
        </div>
        <Group gap="sm" wrap="nowrap">
          <JobStateBadge state={job.state} />
          <JobActions job={job} size="sm" />
        </Group>
      </Group>
      <JobErrorAlert job={job} />
      <JobLog id={job.id} title={job.title} />
    </Paper>
  );
}

export function JobsPage() {
  const jobs = useStore(useShallow((s) => sortJobs(Object.values(s.jobsById))));
  const loaded = useStore((s) => s.jobsLoaded);
  const [selected, setSelected] = useState<string | null>(null);
  const now = useNow(jobs.some(isActive));
  const selectedJob = jobs.find((j) => j.id === selected);

  return (
    <>
      <PageHeader
        title="Jobs"
        description="Everything that takes more than a second runs as a job: scans, downloads, data generation, training, evaluation and export."
      />
      {jobs.length === 0 ? (
        <Paper withBorder radius="md" p="xl">
          <EmptyState
            variant="light"
            size="lg"
            icon={<IconListCheck size={32} />}
            title={loaded ? 'No jobs yet' : 'Loading jobs…'}
            description="Start a hardware scan or a disk speed test on the Dashboard; every job shows up here with its progress and log."
          />
        </Paper>
      ) : (
        <Paper withBorder radius="md" style={{ overflow: 'hidden' }}>
          <Table.ScrollContainer minWidth={880}>
            <Table verticalSpacing="sm" horizontalSpacing="md" highlightOnHover aria-label="All jobs">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Job</Table.Th>
                  <Table.Th>State</Table.Th>
                  <Table.Th w="28%">Progress</Table.Th>
                  <Table.Th>Started</Table.Th>
                  <Table.Th>Duration</Table.Th>
                  <Table.Th>
                    <span
                      className="sr-only"
                      style={{ position: 'absolute', width: 1, height: 1, overflow: 'hidden', clip: 'rect(0 0 0 0)' }}
                    >
                      Actions
                    </span>
                  </Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {jobs.map((job) => (
                  <Table.Tr key={job.id} bg={job.id === selected ? 'var(--mantine-primary-color-light)' : undefined}>
                    <Table.Td maw={280}>
                      <Text size="sm" fw={600} truncate>
                        {job.title}
                      </Text>
                      <Text size="xs" c="dimmed" ff="monospace">
                        {job.kind}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <JobStateBadge state={job.state} />
                    </Table.Td>
                    <Table.Td>
                      <JobProgress job={job} />
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm" style={{ whiteSpace: 'nowrap' }}>
                        {formatTime(job.startedAt)}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm" style={{ whiteSpace: 'nowrap', fontVariantNumeric: 'tabular-nums' }}>
                        {duration(job, now)}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Group gap="xs" justify="flex-end" wrap="nowrap">
                        <JobActions job={job} />
                        <Button
                          size="xs"
                          variant={job.id === selected ? 'filled' : 'default'}
                          leftSection={<IconFileText size={14} aria-hidden />}
                          onClick={() => setSelected(job.id === selected ? null : job.id)}
                          aria-label={`Details of ${job.title}`}
                          aria-pressed={job.id === selected}
                        >
                          Details
                        </Button>
                      </Group>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Paper>
      )}
      {selectedJob && <JobDetails job={selectedJob} />}
    </>
  );
}
