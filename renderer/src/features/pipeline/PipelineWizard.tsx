import { Button, Group, Paper, Stack, Stepper } from '@mantine/core';
import { useMemo, useState, type ReactNode } from 'react';
import type { JobInfo, PipelineRecord, PipelineStage } from '../../../../electron/shared/contract';
import { useStore } from '../../store';
import { ChatStep } from './ChatStep';
import { EvaluateStep } from './EvaluateStep';
import { ExportStep } from './ExportStep';
import { GenerateProgress } from './GenerateProgress';
import { GenerateStep } from './GenerateStep';
import { HardwareStep } from './HardwareStep';
import { ModelsStep } from './ModelsStep';
import { RunBanner } from './RunBanner';
import { TaxonomyStep } from './TaxonomyStep';
import { TrainStep } from './TrainStep';
import { usePipelineCheck } from './usePipelineCheck';
import { initialForm, STAGE_STEP, stepOf, STEPS, toParams, type WizardForm } from './wizard-form';

const stepColor = (stage: PipelineStage | undefined): string | undefined =>
  stage?.state === 'failed' || stage?.state === 'cancelled' ? 'red' : stage?.state === 'waiting' ? 'yellow' : undefined;

/**
 * The guided LAB run. Without a run the first four steps set one up and Generate starts it; with
 * one, every step shows its stage (progress, why it stopped) and the wizard follows the run.
 */
export function PipelineWizard({
  record,
  onStarted,
}: {
  record: PipelineRecord | null;
  onStarted: (job: JobInfo) => void;
}) {
  const root = useStore((s) => s.taxonomyInfo?.root ?? '');
  const job = useStore((s) => (record ? s.jobsById[record.jobId] : undefined));
  const [edited, setForm] = useState<WizardForm>(() => initialForm(''));
  const patch = (p: Partial<WizardForm>): void => setForm((f) => ({ ...f, ...p }));
  // Until the user types one, the taxonomy is the one the app has open.
  const form = useMemo(() => (edited.taxonomy ? edited : { ...edited, taxonomy: root }), [edited, root]);
  const params = useMemo(() => toParams(form), [form]);
  const check = usePipelineCheck(params, record === null);

  const where = record ? stepOf(record) : 0;
  const [active, setActive] = useState(where);
  // Follow the run: land on the step where it is, and move on with it (the page remounts per run).
  const [seen, setSeen] = useState(where);
  if (seen !== where) {
    setSeen(where);
    setActive(where);
  }

  const stageAt = (i: number): PipelineStage | undefined => record?.stages.find((s) => STAGE_STEP[s.name] === i);
  const steps: ReactNode[] = [
    <TaxonomyStep key="t" form={form} patch={patch} check={check} record={record} />,
    <HardwareStep key="h" form={form} patch={patch} check={check} record={record} />,
    <ModelsStep key="m" form={form} patch={patch} check={check} record={record} />,
    record ? (
      <GenerateProgress key="g" record={record} />
    ) : (
      <GenerateStep key="g" form={form} patch={patch} check={check} onStarted={onStarted} />
    ),
    <TrainStep key="tr" record={record} check={check} />,
    <EvaluateStep key="e" record={record} check={check} />,
    <ExportStep key="x" record={record} check={check} />,
    <ChatStep key="c" record={record} />,
  ];

  return (
    <Paper withBorder radius="md" p="lg" component="section" aria-label={record ? `Run ${record.name}` : 'New run'}>
      <Stack gap="lg">
        {record && <RunBanner record={record} job={job} />}
        <Stepper active={active} onStepClick={setActive} size="xs" iconSize={28} allowNextStepsSelect>
          {STEPS.map((name, i) => (
            <Stepper.Step
              key={name}
              label={name}
              color={stepColor(stageAt(i))}
              loading={stageAt(i)?.state === 'running'}
              aria-label={`${name} step`}
            >
              <section aria-label={name}>{steps[i]}</section>
            </Stepper.Step>
          ))}
        </Stepper>
        {!record && (
          <Group justify="space-between">
            <Button variant="default" disabled={active === 0} onClick={() => setActive((a) => a - 1)}>
              Back
            </Button>
            {active < 3 && <Button onClick={() => setActive((a) => a + 1)}>Next</Button>}
          </Group>
        )}
      </Stack>
    </Paper>
  );
}
