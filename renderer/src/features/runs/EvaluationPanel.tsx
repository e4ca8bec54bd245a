import { Alert, Badge, Group, Loader, NativeSelect, Paper, Stack, Table, Text, Title } from '@mantine/core';
import { IconStarFilled } from '@tabler/icons-react';
import { useEffect, useState } from 'react';
import type { CheckpointSelection, EvalReport, EvalReportSummary } from '../../../../electron/shared/contract';
import { api } from '../../api/connection';
import { RULE_LABELS, defaultReport, reportLabel, shortPath } from './eval-view';
import { EvalReportView } from './EvalReportView';

function SelectionCard({ s }: { s: CheckpointSelection }) {
  return (
    <Paper withBorder radius="sm" p="sm" aria-label={`${s.phase} checkpoint choice`}>
      <Group gap="xs" mb={4} wrap="wrap">
        <Text size="sm" fw={700} tt="capitalize">
          {s.phase} phase
        </Text>
        <Badge size="sm" color="teal" variant="light" leftSection={<IconStarFilled size={10} aria-hidden />}>
          chosen: {s.chosen ? shortPath(s.chosen) : '—'}
        </Badge>
        <Badge size="sm" variant="outline" tt="none" aria-label="Rule">
          by {RULE_LABELS[s.rule]}
        </Badge>
      </Group>
      <Text size="xs" c="dimmed" mb={4}>
        {s.why}
      </Text>
      <Table verticalSpacing={2} horizontalSpacing="xs" fz="xs" aria-label={`${s.phase} checkpoint scores`}>
        <Table.Tbody>
          {s.table.map((t) => (
            <Table.Tr key={t.checkpoint} fw={t.checkpoint === s.chosen ? 700 : undefined}>
              <Table.Td>{shortPath(t.checkpoint)}</Table.Td>
              <Table.Td style={{ fontVariantNumeric: 'tabular-nums' }}>
                {t.score === null ? '—' : t.score.toFixed(3)}
              </Table.Td>
              <Table.Td c="dimmed">
                {Object.entries(t.parts)
                  .filter(([, v]) => v !== null)
                  .map(([k, v]) => `${k} ${(v as number).toFixed(2)}`)
                  .join(' · ')}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Paper>
  );
}

/**
 * The run's evaluation: which checkpoint each phase kept and by which rule, and any report
 * (base against one checkpoint) in full. Refetched when the run's state or stage changes.
 */
export function EvaluationPanel({ runId, refreshKey }: { runId: string; refreshKey: string }) {
  const [data, setData] = useState<{ reports: EvalReportSummary[]; selections: CheckpointSelection[] } | null>(null);
  const [error, setError] = useState<string | null>(null);
  // What the user picked; until then the chosen checkpoint of the latest phase (it moves as phases finish).
  const [userPick, setPick] = useState<string | null>(null);
  const [report, setReport] = useState<EvalReport | null>(null);

  useEffect(() => {
    let live = true;
    api
      .call('eval.reports', { runId })
      .then((d) => {
        if (!live) return;
        setData(d);
      })
      .catch((e: Error) => live && setError(e.message));
    return () => {
      live = false;
    };
  }, [runId, refreshKey]);

  const pick =
    data && userPick && data.reports.some((r) => r.id === userPick)
      ? userPick
      : data
        ? defaultReport(data.reports, data.selections)
        : null;

  useEffect(() => {
    if (!pick) return;
    let live = true;
    api
      .call('eval.report', { id: pick })
      .then((r) => live && setReport(r))
      .catch((e: Error) => live && setError(e.message));
    return () => {
      live = false;
    };
  }, [pick]);

  if (error)
    return (
      <Alert color="red" variant="light" title="Could not load the evaluation">
        {error}
      </Alert>
    );
  if (!data || (data.reports.length === 0 && data.selections.length === 0)) return null;
  return (
    <Stack gap="sm" component="section" aria-label="Evaluation">
      <Title order={3} size="h5">
        Evaluation: base against candidates
      </Title>
      <Group align="stretch" grow wrap="wrap">
        {data.selections.map((s) => (
          <SelectionCard key={s.phase} s={s} />
        ))}
      </Group>
      {data.reports.length > 0 && (
        <NativeSelect
          label="Candidate"
          size="xs"
          value={pick ?? ''}
          onChange={(e) => setPick(e.currentTarget.value)}
          data={data.reports.map((r) => ({ value: r.id, label: reportLabel(r, data.selections) }))}
        />
      )}
      {pick && !report && <Loader size="sm" />}
      {report && report.id === pick && <EvalReportView key={report.id} report={report} />}
    </Stack>
  );
}
