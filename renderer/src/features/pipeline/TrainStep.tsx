import { Stack, Text } from '@mantine/core';
import { useEffect, useMemo } from 'react';
import type { PipelineRecord } from '../../../../electron/shared/contract';
import { useStore } from '../../store';
import { formatLoss } from '../runs/chart-data';
import { LossChart } from '../runs/LossChart';
import { StageError, StageSummary, StepIntro, estimateOf } from './StepIntro';
import type { CheckState } from './usePipelineCheck';

const WHAT =
  'Trains the student in two phases, knowledge first, then skills from the best knowledge checkpoint; each checkpoint is scored.';
const EMPTY: never[] = [];

export function TrainStep({ record, check }: { record: PipelineRecord | null; check: CheckState }) {
  const stage = record?.stages.find((s) => s.name === 'train') ?? null;
  const jobId = stage?.jobId ?? null;
  const follow = useStore((s) => s.followRun);
  const metrics = useStore((s) => (jobId ? s.runMetrics[jobId] : undefined));
  useEffect(() => {
    if (jobId) follow(jobId);
  }, [follow, jobId]);
  const phasesKey = (record?.params.train?.phases ?? ['knowledge', 'skills']).join(',');
  const order = useMemo(() => phasesKey.split(','), [phasesKey]);
  const t = record?.telemetry;

  return (
    <Stack gap="md">
      <StepIntro
        what={WHAT}
        estimate={stage ? (stage.state === 'done' ? null : stage.estimate) : estimateOf(check.check, 'train')}
        stage={stage}
      />
      {stage && <StageError stage={stage} />}
      {stage && <StageSummary stage={stage} />}
      {t && (t.finalLoss !== null || t.trainTokensPerSec !== null) && (
        <Text size="sm" aria-label="Training figures">
          Final loss {t.finalLoss === null ? '—' : formatLoss(t.finalLoss)} ·{' '}
          {t.trainTokensPerSec === null ? '—' : t.trainTokensPerSec.toFixed(0)} tokens/s
          {t.peakMemoryMb !== null ? ` · peak ${Math.round(t.peakMemoryMb)} MB` : ''}
        </Text>
      )}
      {jobId ? (
        <LossChart
          title="Training loss"
          points={metrics?.points ?? EMPTY}
          evals={metrics?.evals ?? EMPTY}
          order={order}
        />
      ) : (
        <Text size="sm" c="dimmed">
          {record ? 'The loss curve appears here once training starts.' : 'Start the run on the Generate step.'}
        </Text>
      )}
      {metrics?.error && (
        <Text size="sm" c="red">
          {metrics.error}
        </Text>
      )}
    </Stack>
  );
}
