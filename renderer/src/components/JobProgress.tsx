import { Group, Progress, Text } from '@mantine/core';
import type { JobInfo } from '../../../electron/shared/contract';
import { formatDuration } from './format';

const metricUnits: Record<string, string> = { writeMbPerSec: 'MB/s write', readMbPerSec: 'MB/s read' };

/** A job's progress bar with stage, percentage, ETA and its metrics. */
export function JobProgress({ job, compact = false }: { job: JobInfo; compact?: boolean }) {
  const { fraction, stage, etaSeconds, metrics } = job.progress;
  const ended = job.state !== 'queued' && job.state !== 'running';
  // Unknown amount of work while running: a full striped bar; queued or ended without a figure: empty.
  const pct =
    job.state === 'succeeded'
      ? 100
      : fraction === null
        ? job.state === 'running'
          ? 100
          : 0
        : Math.round(fraction * 1000) / 10;
  const indeterminate = fraction === null && job.state === 'running';
  const color = job.state === 'failed' ? 'red' : job.state === 'succeeded' ? 'teal' : ended ? 'gray' : 'blue';
  const metricText = Object.entries(metrics)
    .map(([k, v]) => `${v.toLocaleString()} ${metricUnits[k] ?? k}`)
    .join(' · ');
  return (
    <div style={{ minWidth: compact ? 0 : 180 }}>
      <Progress
        value={pct}
        color={color}
        size={compact ? 'sm' : 'md'}
        radius="xl"
        striped={indeterminate}
        animated={job.state === 'running'}
        aria-label={`${job.title} progress`}
        transitionDuration={150}
      />
      <Group justify="space-between" gap="xs" mt={4} wrap="nowrap">
        <Text size="xs" c="dimmed" truncate>
          {[ended ? null : stage, job.state === 'queued' ? 'waiting' : null, metricText || null]
            .filter(Boolean)
            .join(' · ') || '\u00a0'}
        </Text>
        <Text size="xs" c="dimmed" style={{ whiteSpace: 'nowrap', fontVariantNumeric: 'tabular-nums' }}>
          {fraction === null ? (indeterminate ? 'working…' : '') : `${Math.floor(fraction * 100)}%`}
          {!ended && etaSeconds !== null ? ` · ${formatDuration(etaSeconds)} left` : ''}
        </Text>
      </Group>
    </div>
  );
}
