import { Button, EmptyState, Paper, Stack, Title } from '@mantine/core';
import { IconChartLine, IconPlus } from '@tabler/icons-react';
import { useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { PageHeader } from '../../components/PageHeader';
import { useStore } from '../../store';
import { sortJobs } from '../../store/jobs-slice';
import { LabRunsTable } from './LabRunsTable';
import { NewRunModal } from './NewRunModal';
import { PythonEnvCard } from './PythonEnvCard';
import { RunDetail } from './RunDetail';
import { RunsTable } from './RunsTable';

export function RunsPage() {
  const runs = useStore(
    useShallow((s) => sortJobs(Object.values(s.jobsById).filter((j) => j.kind === 'training.run'))),
  );
  const loaded = useStore((s) => s.jobsLoaded);
  const cuda = useStore((s) => s.pythonStatus?.env?.cuda === true);
  const [picked, setPicked] = useState<string | null>(null);
  const [formOpen, setFormOpen] = useState(false);
  // The newest run until the user picks another.
  const selected = runs.find((r) => r.id === picked) ?? runs[0];

  const newRun = (
    <Button leftSection={<IconPlus size={16} aria-hidden />} onClick={() => setFormOpen(true)}>
      New training run
    </Button>
  );

  return (
    <>
      <PageHeader
        title="Runs"
        description="LAB multi-phase fine-tuning: knowledge first, then skills from the best knowledge checkpoint, each checkpoint scored on held-out samples."
        actions={newRun}
      />
      <Stack gap="lg">
        <PythonEnvCard />
        <LabRunsTable />
        {runs.length === 0 ? (
          <Paper withBorder radius="md" p="xl">
            <EmptyState
              variant="light"
              size="lg"
              icon={<IconChartLine size={32} />}
              title={loaded ? 'No training runs yet' : 'Loading runs…'}
              description="Start one from a folder of generated training data and a Hugging Face base model. Its loss curve, checkpoints and export show up here while it trains."
            >
              {loaded && <EmptyState.Actions>{newRun}</EmptyState.Actions>}
            </EmptyState>
          </Paper>
        ) : (
          <section aria-labelledby="runs-title">
            <Title order={2} size="h4" id="runs-title" mb="sm">
              Training runs
            </Title>
            <RunsTable runs={runs} selected={selected?.id ?? null} onSelect={setPicked} />
          </section>
        )}
        {selected && <RunDetail key={selected.id} job={selected} />}
      </Stack>
      <NewRunModal
        opened={formOpen}
        onClose={() => setFormOpen(false)}
        onStarted={(job) => setPicked(job.id)}
        cuda={cuda}
      />
    </>
  );
}
