import { Stack, Text, TextInput } from '@mantine/core';
import { useStore } from '../../store';
import { LeavesList } from './LeavesList';
import { ProblemList, StepIntro } from './StepIntro';
import type { FormStepProps } from './usePipelineCheck';

const WHAT =
  'Picks the taxonomy and the diff base: the leaves changed since the base are the ones synthetic data is generated for and trained on.';

export function TaxonomyStep({ form, patch, check, record }: FormStepProps) {
  const root = useStore((s) => s.taxonomyInfo?.root ?? null);
  const diff = useStore((s) => s.taxonomyDiff);
  if (record) {
    return (
      <Stack gap="sm">
        <StepIntro what={WHAT} />
        <Text size="sm">
          Taxonomy <b>{record.params.taxonomy}</b> at commit{' '}
          <b aria-label="Taxonomy commit">{record.taxonomyCommit?.slice(0, 10) ?? 'none'}</b>, diff base{' '}
          {record.params.base ?? 'the default'}
        </Text>
        <LeavesList leaves={record.leaves} />
      </Stack>
    );
  }
  // Before the check can run: the open taxonomy's diff against its default base, when that is the one picked.
  const openDiff = form.taxonomy === root && !form.base.trim() ? diff : null;
  const problems = check.check?.problems.filter((p) => p.field.startsWith('taxonomy') || p.file) ?? [];
  return (
    <Stack gap="sm">
      <StepIntro what={WHAT} />
      <TextInput
        label="Taxonomy folder"
        description="A taxonomy git repository (the one open on the Taxonomy page by default)"
        value={form.taxonomy}
        onChange={(e) => patch({ taxonomy: e.currentTarget.value })}
        required
      />
      <TextInput
        label="Diff base"
        description="A git ref to compare against, or “empty” to train every leaf (default: the upstream branch)"
        placeholder="origin/main"
        value={form.base}
        onChange={(e) => patch({ base: e.currentTarget.value })}
      />
      {check.pending && (
        <Text size="xs" c="dimmed">
          Checking…
        </Text>
      )}
      {check.error && (
        <Text size="sm" c="red" role="alert">
          {check.error}
        </Text>
      )}
      {!check.check && !check.pending && (
        <>
          <Text size="xs" c="dimmed">
            The whole run is checked (problems, leaves, estimates) once a student and a teacher are picked on the Models
            step.
          </Text>
          {openDiff && <LeavesList leaves={openDiff.leaves} />}
        </>
      )}
      {check.check && (
        <>
          <Text size="xs" c="dimmed">
            HEAD {check.check.taxonomyCommit?.slice(0, 10) ?? 'without commits'}
          </Text>
          <LeavesList leaves={check.check.leaves} />
        </>
      )}
      <ProblemList problems={problems} title="The taxonomy has problems" />
    </Stack>
  );
}
