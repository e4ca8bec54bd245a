import { Accordion, Paper, Stack, Table, Text } from '@mantine/core';
import { useEffect, useState } from 'react';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { EvalReport, PipelineRecord } from '../../../../electron/shared/contract';
import { api } from '../../api/connection';
import { messageOf } from '../../components/message-of';
import { EvalReportView } from '../runs/EvalReportView';
import { StageError, StepIntro, estimateOf } from './StepIntro';
import type { CheckState } from './usePipelineCheck';

const WHAT =
  'Scores the tuned model against its base on each benchmark (MMLU-branch, fact recall, MT-Bench-branch) with the judge.';
const score = (n: number | null): string => (n === null ? '—' : n.toFixed(3));

/** The whole report, loaded when opened. */
function ReportDetails({ id }: { id: string }) {
  const [report, setReport] = useState<EvalReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    api.call('eval.report', { id }).then(
      (r) => live && setReport(r),
      (err: unknown) => live && setError(messageOf(err)),
    );
    return () => {
      live = false;
    };
  }, [id]);
  if (error) return <Text c="red">{error}</Text>;
  return report ? <EvalReportView report={report} /> : <Text size="sm">Loading…</Text>;
}

export function EvaluateStep({ record, check }: { record: PipelineRecord | null; check: CheckState }) {
  const stage = record?.stages.find((s) => s.name === 'evaluate') ?? null;
  const ev = record?.evaluation ?? null;
  const data = ev?.benchmarks.map((b) => ({ name: b.name, base: b.base, tuned: b.model })) ?? [];
  return (
    <Stack gap="md">
      <StepIntro
        what={WHAT}
        estimate={stage ? (stage.state === 'done' ? null : stage.estimate) : estimateOf(check.check, 'evaluate')}
        stage={stage}
      />
      {stage && <StageError stage={stage} />}
      {!ev && (
        <Text size="sm" c="dimmed">
          The scores appear here once the evaluation has run.
        </Text>
      )}
      {ev && (
        <>
          <Text size="sm">
            {ev.improved} benchmark{ev.improved === 1 ? '' : 's'} improved, {ev.regressed} regressed.
          </Text>
          <Paper withBorder radius="md" p="sm" h={260} aria-label="Base vs tuned chart">
            <ResponsiveContainer width="100%" height="100%">
              <BarChart data={data}>
                <CartesianGrid strokeDasharray="3 3" vertical={false} />
                <XAxis dataKey="name" fontSize={12} />
                <YAxis fontSize={12} domain={[0, 'auto']} />
                <Tooltip />
                <Legend />
                <Bar dataKey="base" name="Base" fill="var(--mantine-color-gray-5)" />
                <Bar dataKey="tuned" name="Tuned" fill="var(--mantine-color-indigo-6)" />
              </BarChart>
            </ResponsiveContainer>
          </Paper>
          <Table aria-label="Base vs tuned" striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Benchmark</Table.Th>
                <Table.Th>Base</Table.Th>
                <Table.Th>Tuned</Table.Th>
                <Table.Th>Method</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {ev.benchmarks.map((b) => (
                <Table.Tr key={b.name}>
                  <Table.Td>{b.name}</Table.Td>
                  <Table.Td>{score(b.base)}</Table.Td>
                  <Table.Td>{score(b.model)}</Table.Td>
                  <Table.Td>{b.method}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          {ev.selections.length > 0 && (
            <Table aria-label="Chosen checkpoints">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Phase</Table.Th>
                  <Table.Th>Checkpoint</Table.Th>
                  <Table.Th>Why</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {ev.selections.map((s) => (
                  <Table.Tr key={s.phase}>
                    <Table.Td>{s.phase}</Table.Td>
                    <Table.Td style={{ wordBreak: 'break-all' }}>{s.checkpoint}</Table.Td>
                    <Table.Td>
                      {s.why}{' '}
                      <Text span size="xs" c="dimmed">
                        ({s.rule})
                      </Text>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
          {ev.reportId && (
            <Accordion variant="contained">
              <Accordion.Item value="report">
                <Accordion.Control>The full report</Accordion.Control>
                <Accordion.Panel>
                  <ReportDetails id={ev.reportId} />
                </Accordion.Panel>
              </Accordion.Item>
            </Accordion>
          )}
        </>
      )}
    </Stack>
  );
}
