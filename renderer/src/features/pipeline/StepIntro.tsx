import { Alert, Badge, Code, Group, Stack, Text } from '@mantine/core';
import { IconClock } from '@tabler/icons-react';
import type { PipelineCheck, PipelineProblem, PipelineStage } from '../../../../electron/shared/contract';
import { formatDuration, formatTime } from '../../components/format';

const stateColor: Record<PipelineStage['state'], string> = {
  pending: 'gray',
  running: 'blue',
  done: 'teal',
  failed: 'red',
  cancelled: 'orange',
  waiting: 'yellow',
};

/** What a step will do, and how long it should take here (from `pipeline.check` or the run's stage). */
export function StepIntro({
  what,
  estimate,
  stage,
}: {
  what: string;
  estimate?: { seconds: number | null; basis: string } | null;
  stage?: PipelineStage | null;
}) {
  return (
    <Stack gap={4} mb="md">
      <Group gap="sm">
        <Text size="sm">{what}</Text>
        {stage && (
          <Badge color={stateColor[stage.state]} variant="light" aria-label={`Stage ${stage.name}: ${stage.state}`}>
            {stage.state}
          </Badge>
        )}
      </Group>
      {estimate && (
        <Group gap={6} c="dimmed">
          <IconClock size={14} aria-hidden />
          <Text size="xs" aria-label="Estimate">
            {estimate.seconds === null ? 'No estimate yet' : `About ${formatDuration(estimate.seconds)}`} ·{' '}
            {estimate.basis}
          </Text>
        </Group>
      )}
      {stage?.startedAt && (
        <Text size="xs" c="dimmed">
          {stage.endedAt
            ? `Took ${formatDuration((stage.endedAt - stage.startedAt) / 1000)}`
            : `Started ${formatTime(stage.startedAt)}`}
        </Text>
      )}
    </Stack>
  );
}

/** The check's estimate for one stage. */
export const estimateOf = (check: PipelineCheck | null, stage: PipelineStage['name']) =>
  check?.estimates.find((e) => e.stage === stage) ?? null;

/** Why a stage stopped: its error, the hint, and the child job's last log lines. */
export function StageError({ stage }: { stage: PipelineStage }) {
  if (!stage.error) return null;
  const details = stage.error.details as { lastLines?: unknown } | undefined;
  const lines = Array.isArray(details?.lastLines) ? details.lastLines.map(String) : [];
  return (
    <Alert color="red" title={`The ${stage.name} stage stopped: ${stage.error.message}`} role="alert">
      {stage.error.hint && <Text size="sm">{stage.error.hint}</Text>}
      {lines.length > 0 && (
        <Code block mt="xs" aria-label="Last log lines">
          {lines.join('\n')}
        </Code>
      )}
    </Alert>
  );
}

/** The check's (or a refused start's) problems, with the file and line they are in. */
export function ProblemList({ problems, title }: { problems: PipelineProblem[]; title: string }) {
  if (problems.length === 0) return null;
  return (
    <Alert color="red" title={title} role="alert">
      <Stack gap={4}>
        {problems.map((p, i) => (
          <Text size="sm" key={i}>
            <b>{p.field}</b>: {p.message}
            {p.file && (
              <Text span c="dimmed" size="xs">
                {' '}
                ({p.file}
                {p.line !== null ? `:${p.line}` : ''})
              </Text>
            )}
          </Text>
        ))}
      </Stack>
    </Alert>
  );
}

/** A stage's summary: figures in one line, file paths (long) below it, dimmed. */
export function StageSummary({ stage }: { stage: PipelineStage }) {
  const entries = Object.entries(stage.summary).filter(([, v]) => v !== null && v !== '');
  if (entries.length === 0) return null;
  const isPath = (v: unknown): boolean => typeof v === 'string' && /[\\/]/.test(v);
  const figures = entries.filter(([, v]) => !isPath(v));
  const paths = entries.filter(([, v]) => isPath(v));
  return (
    <Stack gap={2} aria-label={`${stage.name} summary`}>
      {figures.length > 0 && (
        <Text size="sm">
          {figures.map(([k, v]) => `${k} ${typeof v === 'boolean' ? (v ? 'yes' : 'no') : String(v)}`).join(' · ')}
        </Text>
      )}
      {paths.map(([k, v]) => (
        <Text key={k} size="xs" c="dimmed" style={{ wordBreak: 'break-all' }}>
          {k}: {String(v)}
        </Text>
      ))}
    </Stack>
  );
}
