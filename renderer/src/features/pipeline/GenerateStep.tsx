import { Alert, Button, Group, NumberInput, SegmentedControl, Stack, Switch, Text, TextInput } from '@mantine/core';
import { IconPlayerPlay } from '@tabler/icons-react';
import { useState } from 'react';
import type { JobInfo, PipelineProblem } from '../../../../electron/shared/contract';
import { api } from '../../api/connection';
import { formatDuration } from '../../components/format';
import { messageOf } from '../../components/message-of';
import { ProblemList, StepIntro, estimateOf } from './StepIntro';
import { problemsOf, type CheckState } from './usePipelineCheck';
import { toParams, type WizardForm } from './wizard-form';

export const GENERATE_WHAT =
  'Generates synthetic questions and answers from each leaf with the teacher, filters them with the judge, and mixes the training sets.';

/** The last settings before a run starts, and the Start button. */
export function GenerateStep({
  form,
  patch,
  check,
  onStarted,
}: {
  form: WizardForm;
  patch: (p: Partial<WizardForm>) => void;
  check: CheckState;
  onStarted: (job: JobInfo) => void;
}) {
  const [starting, setStarting] = useState(false);
  const [refused, setRefused] = useState<{ message: string; problems: PipelineProblem[] } | null>(null);
  const c = check.check;
  const total = c?.estimates.reduce(
    (sum, e) => (e.seconds === null || sum === null ? null : sum + e.seconds),
    0 as number | null,
  );

  const start = async (): Promise<void> => {
    setStarting(true);
    setRefused(null);
    try {
      onStarted(await api.call('pipeline.start', toParams(form)));
    } catch (err) {
      setRefused({ message: messageOf(err), problems: problemsOf(err) });
    } finally {
      setStarting(false);
    }
  };

  return (
    <Stack gap="sm">
      <StepIntro what={GENERATE_WHAT} estimate={estimateOf(c, 'generate')} />
      <Group align="flex-end">
        <div>
          <Text size="sm" fw={500} mb={4}>
            Pipeline
          </Text>
          <SegmentedControl
            aria-label="Pipeline"
            data={[
              { value: 'simple', label: 'Simple' },
              { value: 'full', label: 'Full (LAB)' },
            ]}
            value={form.pipeline}
            onChange={(v) => patch({ pipeline: v as WizardForm['pipeline'] })}
          />
        </div>
        <NumberInput
          label="Scale"
          description="Samples asked for per seed example"
          min={1}
          max={1000}
          w={200}
          value={form.scale}
          onChange={(v) => typeof v === 'number' && patch({ scale: v })}
        />
        <TextInput
          label="Run name"
          placeholder="generated from the taxonomy"
          value={form.name}
          onChange={(e) => patch({ name: e.currentTarget.value })}
        />
      </Group>
      <Switch
        label="Review samples before training"
        description="Stops after generating so you can discard bad samples; Continue goes on to training"
        checked={form.reviewSamples}
        onChange={(e) => patch({ reviewSamples: e.currentTarget.checked })}
      />
      {c && (
        <Stack gap={2} aria-label="Plan">
          {c.estimates.map((e) => (
            <Text size="xs" key={e.stage}>
              <b>{e.stage}</b>: {e.what}
            </Text>
          ))}
          {total !== null && total !== undefined && (
            <Text size="xs" c="dimmed">
              The whole run: about {formatDuration(total)} on this machine
            </Text>
          )}
        </Stack>
      )}
      {c?.warnings.map((w) => (
        <Alert key={w} color="yellow" variant="light">
          {w}
        </Alert>
      ))}
      <ProblemList problems={c?.problems ?? []} title="Fix these before starting" />
      {refused && refused.problems.length === 0 && (
        <Alert color="red" title="Could not start" role="alert">
          {refused.message}
        </Alert>
      )}
      {refused && <ProblemList problems={refused.problems} title={`Could not start: ${refused.message}`} />}
      <Group>
        <Button
          leftSection={<IconPlayerPlay size={16} aria-hidden />}
          loading={starting}
          disabled={!form.taxonomy || !form.student.value || !form.teacher.value}
          onClick={() => void start()}
        >
          Start run
        </Button>
        {check.pending && (
          <Text size="xs" c="dimmed">
            Checking…
          </Text>
        )}
      </Group>
    </Stack>
  );
}
