import { Alert, Button, Stack, Text, Title } from '@mantine/core';
import { IconArrowRight } from '@tabler/icons-react';
import { useEffect, useState } from 'react';
import type { PipelineRecord } from '../../../../electron/shared/contract';
import { api } from '../../api/connection';
import { messageOf } from '../../components/message-of';
import { useStore } from '../../store';
import { FunnelChart } from '../data/FunnelChart';
import { LeafProgressTable } from '../data/LeafProgressTable';
import { SamplesTable } from '../data/SamplesTable';
import { GENERATE_WHAT } from './GenerateStep';
import { StageError, StageSummary, StepIntro } from './StepIntro';

const EMPTY: never[] = [];

/** The generate stage of a run: per-leaf progress, the funnel, the samples (discard bad ones), and Continue. */
export function GenerateProgress({ record }: { record: PipelineRecord }) {
  const stage = record.stages.find((s) => s.name === 'generate')!;
  const train = record.stages.find((s) => s.name === 'train');
  const jobId = stage.jobId;
  const status = useStore((s) => (jobId ? s.sdgStatus[jobId] : undefined));
  const samples = useStore((s) => (jobId ? (s.sdgSamples[jobId] ?? EMPTY) : EMPTY));
  const follow = useStore((s) => s.followGeneration);
  const setDiscarded = useStore((s) => s.setDiscarded);
  const [continuing, setContinuing] = useState(false);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (jobId) follow(jobId);
  }, [follow, jobId]);
  const leaves = status?.leaves ?? [];
  const waiting = train?.state === 'waiting';

  const goOn = async (): Promise<void> => {
    setContinuing(true);
    setError(null);
    try {
      await api.call('pipeline.continue', { jobId: record.jobId });
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setContinuing(false);
    }
  };

  return (
    <Stack gap="md">
      <StepIntro what={GENERATE_WHAT} estimate={stage.state === 'done' ? null : stage.estimate} stage={stage} />
      <StageError stage={stage} />
      <StageSummary stage={stage} />
      {waiting && (
        <Alert color="yellow" title="Waiting for your review" role="status">
          <Text size="sm" mb="sm">
            Look through the samples below and discard bad ones; training uses what is kept.
          </Text>
          <Button
            leftSection={<IconArrowRight size={16} aria-hidden />}
            loading={continuing}
            onClick={() => void goOn()}
          >
            Continue to training
          </Button>
          {error && (
            <Text c="red" size="sm" mt="xs" role="alert">
              {error}
            </Text>
          )}
        </Alert>
      )}
      {status && (
        <Text size="xs" c="dimmed">
          teacher {status.teacher} · judge {status.judge} · {status.samplesPerMin.toFixed(1)} samples/min ·{' '}
          {status.tokensPerSec.toFixed(1)} tokens/s
        </Text>
      )}
      {leaves.length > 0 && <LeafProgressTable leaves={leaves} />}
      {leaves.length > 0 && <FunnelChart leaves={leaves} title="all leaves" />}
      {jobId && (
        <section aria-label="Generated samples">
          <Title order={3} size="h5" mb="xs">
            Samples
          </Title>
          <SamplesTable samples={samples} onDiscard={(s, d) => void setDiscarded(jobId, s.id, d)} />
        </section>
      )}
    </Stack>
  );
}
