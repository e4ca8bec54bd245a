import { Select, Stack } from '@mantine/core';
import { useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { PageHeader } from '../../components/PageHeader';
import { useStore } from '../../store';
import { sortJobs } from '../../store/jobs-slice';
import { GenerateForm } from './GenerateForm';
import { GenerationDetail } from './GenerationDetail';

export function DataPage() {
  const runs = useStore(
    useShallow((s) => sortJobs(Object.values(s.jobsById).filter((j) => j.kind === 'sdg.generate'))),
  );
  const [picked, setPicked] = useState<string | null>(null);
  const selected = runs.find((r) => r.id === picked) ?? runs[0];
  return (
    <>
      <PageHeader
        title="Data"
        description="Synthetic data generation (LAB): a teacher model expands your taxonomy's seed examples into training samples, judged and filtered, then mixed into InstructLab's two training sets."
      />
      <Stack gap="lg">
        <GenerateForm onStarted={(j) => setPicked(j.id)} />
        {runs.length > 1 && (
          <Select
            label="Generation run"
            w={480}
            data={runs.map((r) => ({
              value: r.id,
              label: `${new Date(r.createdAt).toLocaleString()} · ${r.title} · ${r.state}`,
            }))}
            value={selected?.id ?? null}
            onChange={setPicked}
            allowDeselect={false}
          />
        )}
        {selected && <GenerationDetail key={selected.id} job={selected} />}
      </Stack>
    </>
  );
}
