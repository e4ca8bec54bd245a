import { Anchor, Drawer, Group, Paper, Stack, Text } from '@mantine/core';
import { IconListCheck } from '@tabler/icons-react';
import { useShallow } from 'zustand/react/shallow';
import { useStore } from '../store';
import { isActive, sortJobs } from '../store/jobs-slice';
import { hrefFor } from '../routes';
import { JobActions } from './JobActions';
import { JobProgress } from './JobProgress';
import { JobStateBadge } from './JobStateBadge';
import { formatTime, kindLabel } from './format';

/** The jobs panel, reachable from the header on every page: live progress and cancel. */
export function JobsDrawer({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const jobs = useStore(useShallow((s) => sortJobs(Object.values(s.jobsById)).slice(0, 12)));
  const active = jobs.filter(isActive);
  const recent = jobs.filter((j) => !isActive(j)).slice(0, Math.max(0, 8 - active.length));
  return (
    <Drawer
      opened={opened}
      onClose={onClose}
      position="right"
      size="md"
      closeButtonProps={{ 'aria-label': 'Close jobs panel' }}
      title={<Text fw={700}>Jobs</Text>}
    >
      <Stack gap="lg">
        <section aria-label="Running jobs">
          <Text size="xs" tt="uppercase" fw={700} c="dimmed" mb="xs">
            Running
          </Text>
          {active.length === 0 ? (
            <Paper withBorder p="md" radius="md">
              <Group gap="sm" wrap="nowrap">
                <IconListCheck size={20} aria-hidden style={{ opacity: 0.6 }} />
                <Text size="sm" c="dimmed">
                  Nothing is running. Long work (scans, downloads, training) shows up here with live progress.
                </Text>
              </Group>
            </Paper>
          ) : (
            <Stack gap="sm">
              {active.map((job) => (
                <Paper key={job.id} withBorder p="sm" radius="md">
                  <Group justify="space-between" mb={6} wrap="nowrap">
                    <Text size="sm" fw={600} truncate>
                      {job.title}
                    </Text>
                    <JobStateBadge state={job.state} />
                  </Group>
                  <JobProgress job={job} compact />
                  <Group justify="flex-end" mt="xs">
                    <JobActions job={job} />
                  </Group>
                </Paper>
              ))}
            </Stack>
          )}
        </section>
        {recent.length > 0 && (
          <section aria-label="Recent jobs">
            <Text size="xs" tt="uppercase" fw={700} c="dimmed" mb="xs">
              Recent
            </Text>
            <Stack gap={6}>
              {recent.map((job) => (
                <Group key={job.id} justify="space-between" wrap="nowrap" gap="sm">
                  <div style={{ minWidth: 0 }}>
                    <Text size="sm" truncate>
                      {job.title}
                    </Text>
                    <Text size="xs" c="dimmed">
                      {kindLabel(job.kind)} · {formatTime(job.endedAt ?? job.createdAt)}
                    </Text>
                  </div>
                  <JobStateBadge state={job.state} />
                </Group>
              ))}
            </Stack>
          </section>
        )}
        <Anchor href={hrefFor('jobs')} onClick={onClose} size="sm">
          Open the Jobs page for logs and history
        </Anchor>
      </Stack>
    </Drawer>
  );
}
