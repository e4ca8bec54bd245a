import { Anchor, Table, Text, Title, Tooltip } from '@mantine/core';
import { useMemo } from 'react';
import type { PipelineRecord } from '../../../../electron/shared/contract';
import { hrefFor } from '../../routes';
import { useStore } from '../../store';
import { sortPipelineRuns } from '../../store/pipeline-slice';
import { formatLoss } from './chart-data';

const score = (n: number | null | undefined): string => (n === null || n === undefined ? '—' : n.toFixed(2));
const fileName = (p: string): string => p.split(/[\\/]/).at(-1) ?? p;
const kept = (r: PipelineRecord): string => {
  const v = r.stages.find((s) => s.name === 'generate')?.summary.kept;
  return v === undefined || v === null ? '—' : String(v);
};

/** LAB runs (Pipeline page) side by side: what went in, what training measured, base → tuned per benchmark. */
export function LabRunsTable() {
  const byId = useStore((s) => s.pipelineRuns);
  const runs = useMemo(() => sortPipelineRuns(byId), [byId]);
  const benchmarks = useMemo(
    () => [...new Set(runs.flatMap((r) => r.evaluation?.benchmarks.map((b) => b.name) ?? []))],
    [runs],
  );
  if (runs.length === 0) return null;
  return (
    <section aria-labelledby="lab-runs-title">
      <Title order={2} size="h4" id="lab-runs-title" mb={4}>
        LAB runs
      </Title>
      <Text size="xs" c="dimmed" mb="sm">
        Runs of the{' '}
        <Anchor href={hrefFor('pipeline')} inherit>
          Pipeline
        </Anchor>
        , compared.
      </Text>
      <Table.ScrollContainer minWidth={900}>
        <Table aria-label="LAB runs" striped>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Name</Table.Th>
              <Table.Th>Taxonomy</Table.Th>
              <Table.Th>Student</Table.Th>
              <Table.Th>Teacher</Table.Th>
              <Table.Th>Samples kept</Table.Th>
              <Table.Th>Final loss</Table.Th>
              <Table.Th>Train tokens/s</Table.Th>
              {benchmarks.map((b) => (
                <Table.Th key={b}>{b} base → tuned</Table.Th>
              ))}
              <Table.Th>GGUF</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {runs.map((r) => {
              const t = r.telemetry;
              return (
                <Table.Tr key={r.jobId}>
                  <Table.Td fw={600}>{r.name}</Table.Td>
                  <Table.Td ff="monospace">{r.taxonomyCommit?.slice(0, 7) ?? '—'}</Table.Td>
                  <Table.Td>{r.params.student}</Table.Td>
                  <Table.Td>{r.params.teacherModel ?? r.params.teacher}</Table.Td>
                  <Table.Td>{kept(r)}</Table.Td>
                  <Table.Td>{t.finalLoss === null ? '—' : formatLoss(t.finalLoss)}</Table.Td>
                  <Table.Td>{t.trainTokensPerSec === null ? '—' : t.trainTokensPerSec.toFixed(0)}</Table.Td>
                  {benchmarks.map((name) => {
                    const b = r.evaluation?.benchmarks.find((x) => x.name === name);
                    return (
                      <Table.Td key={name} style={{ fontVariantNumeric: 'tabular-nums' }}>
                        {b ? `${score(b.base)} → ${score(b.model)}` : '—'}
                      </Table.Td>
                    );
                  })}
                  <Table.Td>
                    {r.gguf ? (
                      <Tooltip label={r.gguf}>
                        <Text size="sm">{fileName(r.gguf)}</Text>
                      </Tooltip>
                    ) : (
                      '—'
                    )}
                  </Table.Td>
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </section>
  );
}
