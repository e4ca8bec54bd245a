import { Button, Group, Progress, Stack, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconPlayerPause, IconPlayerPlay, IconX } from '@tabler/icons-react';
import { useState } from 'react';
import type { JobInfo } from '../../../../electron/shared/contract';
import type { AppError } from '../../../../electron/shared/errors';
import { api } from '../../api/connection';
import { formatDuration } from '../../components/format';
import { downloadPhase, formatBytes } from './download-state';

/** A download's bar with bytes, speed and time left, and Pause / Resume / Cancel. */
export function DownloadProgress({ job, label }: { job: JobInfo; label: string }) {
  const [busy, setBusy] = useState(false);
  const phase = downloadPhase(job);
  const m = job.progress.metrics;
  const act = async (what: 'pause' | 'resume' | 'cancel'): Promise<void> => {
    setBusy(true);
    try {
      if (what === 'pause') await api.call('models.pauseDownload', { jobId: job.id });
      else if (what === 'resume') await api.call('jobs.resume', { id: job.id });
      else await api.call('models.cancelDownload', { jobId: job.id });
    } catch (err) {
      const e = err as AppError;
      notifications.show({
        color: 'red',
        title: `Could not ${what} the download`,
        message: e.hint ? `${e.message} ${e.hint}` : e.message,
      });
    } finally {
      setBusy(false);
    }
  };
  const pct = job.progress.fraction === null ? 0 : job.progress.fraction * 100;
  const parts = [
    m.bytesTotal ? `${formatBytes(m.bytesDone ?? 0)} of ${formatBytes(m.bytesTotal)}` : null,
    phase === 'active' && m.bytesPerSecond ? `${formatBytes(m.bytesPerSecond)}/s` : null,
    phase === 'active' && job.progress.etaSeconds !== null ? `${formatDuration(job.progress.etaSeconds)} left` : null,
    phase === 'paused' ? 'paused' : null,
    phase === 'failed' ? (job.error?.message ?? 'failed') : null,
  ].filter(Boolean);
  return (
    <Stack gap={4}>
      <Progress
        value={pct}
        color={phase === 'failed' ? 'red' : phase === 'paused' ? 'gray' : 'blue'}
        animated={phase === 'active'}
        striped={phase === 'active'}
        radius="xl"
        aria-label={`${label} download progress`}
      />
      <Group justify="space-between" gap="xs" wrap="nowrap">
        <Text
          size="xs"
          c={phase === 'failed' ? 'red' : 'dimmed'}
          lineClamp={2}
          style={{ fontVariantNumeric: 'tabular-nums' }}
        >
          {`${Math.floor(pct)}%`}
          {parts.length ? ` · ${parts.join(' · ')}` : ''}
        </Text>
        <Group gap={4} wrap="nowrap">
          {phase === 'active' && (
            <Button
              size="compact-xs"
              variant="light"
              leftSection={<IconPlayerPause size={12} aria-hidden />}
              loading={busy}
              onClick={() => void act('pause')}
              aria-label={`Pause ${label}`}
            >
              Pause
            </Button>
          )}
          {(phase === 'paused' || phase === 'failed') && job.resumable && (
            <Button
              size="compact-xs"
              variant="light"
              leftSection={<IconPlayerPlay size={12} aria-hidden />}
              loading={busy}
              onClick={() => void act('resume')}
              aria-label={`Resume ${label}`}
            >
              {phase === 'failed' ? 'Retry' : 'Resume'}
            </Button>
          )}
          {(phase === 'active' || phase === 'paused' || phase === 'failed') && (
            <Button
              size="compact-xs"
              variant="subtle"
              color="red"
              leftSection={<IconX size={12} aria-hidden />}
              loading={busy}
              onClick={() => void act('cancel')}
              aria-label={`Cancel ${label}`}
            >
              Cancel
            </Button>
          )}
        </Group>
      </Group>
    </Stack>
  );
}
