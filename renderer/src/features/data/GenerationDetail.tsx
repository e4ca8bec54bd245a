import { Alert, Button, Group, Paper, Progress, Select, Stack, Text, Title } from '@mantine/core';
import { IconSchool } from '@tabler/icons-react';
import { useEffect, useState } from 'react';
import { jobResult, type JobInfo } from '../../../../electron/shared/contract';
import { JobActions } from '../../components/JobActions';
import { JobErrorAlert } from '../../components/JobErrorAlert';
import { formatDuration } from '../../components/format';
import { useStore } from '../../store';
import { ArrivingList } from './ArrivingList';
import { FunnelChart } from './FunnelChart';
import { LeafProgressTable } from './LeafProgressTable';
import { SamplesTable } from './SamplesTable';
import { TrainModal } from './TrainModal';

const EMPTY: never[] = [];

/** One generation run: progress per leaf, the funnel, the samples (discard bad ones), and training on the result. */
export function GenerationDetail({ job }: { job: JobInfo }) {
  const status = useStore((s) => s.sdgStatus[job.id]);
  const samples = useStore((s) => s.sdgSamples[job.id] ?? EMPTY);
  const arrived = useStore((s) => s.sdgArrived[job.id] ?? EMPTY);
  const follow = useStore((s) => s.followGeneration);
  const setDiscarded = useStore((s) => s.setDiscarded);
  const [leaf, setLeaf] = useState<string | null>(null);
  const [training, setTraining] = useState(false);
  useEffect(() => follow(job.id), [follow, job.id]);
  const result = jobResult('sdg.generate', job);
  const leaves = status?.leaves ?? [];
  const funnelLeaves = leaf ? leaves.filter((l) => l.leaf === leaf) : leaves;

  return (
    <Paper withBorder radius="md" p="lg" aria-label="Generation run">
      <Stack gap="md">
        <Group justify="space-between" align="flex-start">
          <div>
            <Title order={2} size="h4">
              {job.title}
            </Title>
            {status && (
              <Text size="xs" c="dimmed">
                teacher {status.teacher} · judge {status.judge} · {status.samplesPerMin.toFixed(1)} samples/min ·{' '}
                {status.tokensPerSec.toFixed(1)} tokens/s · {status.out}
              </Text>
            )}
          </div>
          <Group>
            <JobActions job={job} size="sm" />
            {result && (
              <Button leftSection={<IconSchool size={16} />} onClick={() => setTraining(true)}>
                Train on this dataset
              </Button>
            )}
          </Group>
        </Group>
        <div>
          <Progress
            value={job.state === 'succeeded' ? 100 : (job.progress.fraction ?? 0) * 100}
            color={job.state === 'failed' ? 'red' : job.state === 'succeeded' ? 'teal' : 'blue'}
            striped={job.state === 'running'}
            animated={job.state === 'running'}
            aria-label="Generation progress"
          />
          <Text size="xs" c="dimmed" mt={4}>
            {job.state === 'running'
              ? `${job.progress.stage ?? ''} · ${Math.round((job.progress.fraction ?? 0) * 100)}% · ETA ${formatDuration(job.progress.etaSeconds)}`
              : job.state}
          </Text>
        </div>
        <JobErrorAlert job={job} />
        {status?.warnings.map((w) => (
          <Alert key={w} color="yellow">
            {w}
          </Alert>
        ))}
        {result && (
          <Text size="sm">
            Kept {result.totals.kept} of {result.totals.generated} generated ·{' '}
            {result.files.knowledge ?? 'no knowledge set'} · {result.files.skills ?? 'no skills set'}
          </Text>
        )}
        {leaves.length > 0 && <LeafProgressTable leaves={leaves} />}
        {job.state === 'running' && <ArrivingList items={arrived} />}
        {leaves.length > 0 && (
          <Select
            label="Leaf"
            description="The funnel and samples of one leaf, or of all"
            w={360}
            data={[{ value: '', label: 'All leaves' }, ...leaves.map((l) => ({ value: l.leaf, label: l.leaf }))]}
            value={leaf ?? ''}
            onChange={(v) => setLeaf(v || null)}
            allowDeselect={false}
          />
        )}
        <FunnelChart leaves={funnelLeaves} title={leaf ?? 'all leaves'} />
        <div>
          <Title order={3} size="h5" mb="xs">
            Samples
          </Title>
          <SamplesTable
            samples={leaf ? samples.filter((x) => x.leaf === leaf) : samples}
            onDiscard={(s, d) => void setDiscarded(job.id, s.id, d)}
          />
        </div>
      </Stack>
      {result && <TrainModal opened={training} onClose={() => setTraining(false)} result={result} />}
    </Paper>
  );
}
