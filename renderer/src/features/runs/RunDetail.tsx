import { Alert, Group, Paper, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { IconInfoCircle } from '@tabler/icons-react';
import { useEffect, useMemo } from 'react';
import { jobParams, jobResult, type JobInfo } from '../../../../electron/shared/contract';
import { JobErrorAlert } from '../../components/JobErrorAlert';
import { JobActions } from '../../components/JobActions';
import { JobStateBadge } from '../../components/JobStateBadge';
import { formatDuration, formatMb } from '../../components/format';
import { useStore } from '../../store';
import { isActive } from '../../store/jobs-slice';
import { formatLoss, formatNumber } from './chart-data';
import { AdaptedNote } from './AdaptedNote';
import { CheckpointsTable } from './CheckpointsTable';
import { EvaluationPanel } from './EvaluationPanel';
import { ExportPanel } from './ExportPanel';
import { LossChart } from './LossChart';

function Stat({ label, value, small = false }: { label: string; value: string; small?: boolean }) {
  return (
    <div>
      <Text size="xs" tt="uppercase" fw={700} c="dimmed">
        {label}
      </Text>
      <Text
        size={small ? 'md' : 'lg'}
        fw={700}
        lh={small ? 1.75 : undefined}
        truncate
        style={{ fontVariantNumeric: 'tabular-nums' }}
        aria-label={label}
      >
        {value}
      </Text>
    </div>
  );
}

const emptyEvals: never[] = [];

const phasesKeyOf = (job: JobInfo): string =>
  (jobParams('training.run', job)?.phases ?? ['knowledge', 'skills']).join(',');

/** One run: live figures, loss curve, checkpoints, cancel/resume and export of the best checkpoint. */
export function RunDetail({ job }: { job: JobInfo }) {
  const follow = useStore((s) => s.followRun);
  const metrics = useStore((s) => s.runMetrics[job.id]);
  useEffect(() => follow(job.id), [follow, job.id]);

  const params = jobParams('training.run', job);
  // Every jobs.changed brings a new params object: key the memo on the phase names.
  const phasesKey = phasesKeyOf(job);
  const order = useMemo(() => phasesKey.split(','), [phasesKey]);
  const result = jobResult('training.run', job);
  const best = useMemo(() => new Set(Object.values(metrics?.best ?? {})), [metrics?.best]);
  const exportTarget =
    result?.bestCheckpoint ||
    order
      .map((p) => metrics?.best[p])
      .filter(Boolean)
      .at(-1);
  const m = job.progress.metrics;
  const active = isActive(job);
  const bestLoss = result?.phases.at(-1)?.bestEvalLoss;

  return (
    <Paper withBorder radius="md" p="lg" component="section" aria-labelledby="run-title">
      <Group justify="space-between" align="flex-start" mb="md" wrap="wrap" gap="sm">
        <div style={{ minWidth: 0 }}>
          <Title order={2} size="h4" id="run-title">
            {job.title}
          </Title>
          {params && (
            <Text size="xs" c="dimmed" style={{ wordBreak: 'break-all' }}>
              {params.data} · {params.device}
              {params.epochs ? ` · ${params.epochs} epochs` : ''}
              {params.learningRate ? ` · lr ${formatNumber(params.learningRate)}` : ''}
            </Text>
          )}
        </div>
        <Group gap="sm" wrap="nowrap">
          <JobStateBadge state={job.state} />
          <JobActions job={job} size="sm" />
        </Group>
      </Group>

      <JobErrorAlert job={job} fallback="The Jobs page has the full log." />
      {job.state === 'cancelled' && (
        <Alert color="gray" variant="light" icon={<IconInfoCircle size={18} />} mb="md" title="Stopped as requested">
          {job.error?.message ?? 'The run was cancelled.'} Resume continues from the last checkpoint.
        </Alert>
      )}

      <Stack gap="md">
        <SimpleGrid cols={{ base: 2, sm: 3, lg: 6 }} spacing="md">
          <Stat
            small
            label="Stage"
            value={active ? (job.progress.stage ?? 'starting') : job.state === 'succeeded' ? 'done' : '—'}
          />
          <Stat label="Loss" value={formatLoss(m.loss ?? metrics?.points.at(-1)?.loss)} />
          <Stat label="Best held-out" value={formatLoss(bestLoss ?? minEval(metrics?.evals))} />
          <Stat
            label="Tokens/s"
            value={m.tokensPerSec === undefined ? '—' : Math.round(m.tokensPerSec).toLocaleString()}
          />
          <Stat label="Peak memory" value={m.peakMemoryMb === undefined ? '—' : formatMb(m.peakMemoryMb)} />
          <Stat label="Time left" value={active ? formatDuration(job.progress.etaSeconds) : '—'} />
        </SimpleGrid>

        {metrics?.error && (
          <Alert color="red" variant="light" title="Could not load the run's metrics">
            {metrics.error}
          </Alert>
        )}
        <AdaptedNote adapted={metrics?.adapted ?? []} />
        <LossChart
          title={job.title}
          points={metrics?.points ?? []}
          evals={metrics?.evals ?? emptyEvals}
          order={order}
        />

        <div>
          <Title order={3} size="h5" mb="xs">
            Checkpoints
          </Title>
          <CheckpointsTable checkpoints={metrics?.checkpoints ?? []} best={best} />
        </div>

        <EvaluationPanel runId={job.id} refreshKey={`${job.state}:${job.progress.stage ?? ''}`} />

        {result && (
          <Text size="sm">
            Best checkpoint:{' '}
            <Text span ff="monospace" size="xs" style={{ wordBreak: 'break-all' }} aria-label="Best checkpoint">
              {result.bestCheckpoint}
            </Text>
          </Text>
        )}
        {exportTarget && !active && <ExportPanel checkpoint={exportTarget} />}
      </Stack>
    </Paper>
  );
}

function minEval(evals: { evalLoss: number }[] | undefined): number | undefined {
  if (!evals?.length) return undefined;
  return Math.min(...evals.map((e) => e.evalLoss));
}
