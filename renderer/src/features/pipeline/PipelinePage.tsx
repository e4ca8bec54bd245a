import { Button, Stack, Text, Title } from '@mantine/core';
import { IconPlus } from '@tabler/icons-react';
import { useEffect, useMemo, useState } from 'react';
import { api } from '../../api/connection';
import { PageHeader } from '../../components/PageHeader';
import { useStore } from '../../store';
import { sortPipelineRuns } from '../../store/pipeline-slice';
import { PipelineWizard } from './PipelineWizard';
import { RunsList } from './RunsList';

export function PipelinePage() {
  const byId = useStore((s) => s.pipelineRuns);
  const loadError = useStore((s) => s.pipelineError);
  const taxonomyLoaded = useStore((s) => s.taxonomyLoaded);
  const runs = useMemo(() => sortPipelineRuns(byId), [byId]);
  const [open, setOpen] = useState<string | null>(null);
  const record = open ? (byId[open] ?? null) : null;

  useEffect(() => {
    const s = useStore.getState();
    if (!taxonomyLoaded) s.refreshTaxonomy().catch(s.setTaxonomyError);
  }, [taxonomyLoaded]);
  // A run just started may be here before its first `pipeline.changed`.
  useEffect(() => {
    if (!open || byId[open]) return;
    api.call('pipeline.get', { jobId: open }).then(
      (r) => useStore.getState().applyPipelineChanged(r),
      () => undefined,
    );
  }, [open, byId]);

  return (
    <>
      <PageHeader
        title="Pipeline"
        description="The guided LAB workflow: from a taxonomy to a tuned model you can chat with, stage by stage."
        actions={
          open && (
            <Button leftSection={<IconPlus size={16} aria-hidden />} onClick={() => setOpen(null)}>
              New run
            </Button>
          )
        }
      />
      <Stack gap="lg">
        {runs.length > 0 && (
          <section aria-labelledby="lab-runs-title">
            <Title order={2} size="h4" id="lab-runs-title" mb="sm">
              Runs
            </Title>
            <RunsList runs={runs} selected={open} onOpen={setOpen} />
          </section>
        )}
        {loadError && (
          <Text c="red" size="sm" role="alert">
            {loadError}
          </Text>
        )}
        {open && !record ? (
          <Text size="sm">Loading the run…</Text>
        ) : (
          <PipelineWizard key={open ?? 'new'} record={record} onStarted={(job) => setOpen(job.id)} />
        )}
      </Stack>
    </>
  );
}
