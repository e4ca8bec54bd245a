import { Alert, Badge, Button, Group, Modal, SegmentedControl, Stack, Table, Text } from '@mantine/core';
import { useState } from 'react';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { BenchmarkReport, EvalReport, QuestionResult } from '../../../../electron/shared/contract';
import { BENCHMARK_LABELS, formatScore, leafBars, outcomeCounts } from './eval-view';

const OUTCOME_COLOR: Record<QuestionResult['outcome'], string> = {
  win: 'teal',
  loss: 'red',
  tie: 'gray',
  error: 'orange',
};
const CHANGE_COLOR: Record<string, string> = {
  improved: 'teal',
  regressed: 'red',
  unchanged: 'gray',
  new: 'blue',
  error: 'orange',
};

function LeafChart({ b }: { b: BenchmarkReport }) {
  const data = leafBars(b);
  const judged = b.metric === 'judge_1_10';
  return (
    <div
      role="img"
      aria-label={`${BENCHMARK_LABELS[b.name] ?? b.name} per leaf: base and candidate`}
      style={{ height: 220 }}
    >
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={data} margin={{ top: 8, right: 16, bottom: 8, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="var(--mantine-color-default-border)" />
          <XAxis dataKey="leaf" tick={{ fontSize: 11 }} />
          <YAxis domain={judged ? [0, 10] : [0, 100]} tick={{ fontSize: 11 }} unit={judged ? '' : '%'} width={44} />
          <Tooltip formatter={(v) => (typeof v === 'number' ? (judged ? v.toFixed(1) : `${v.toFixed(1)}%`) : '—')} />
          <Legend />
          <Bar dataKey="base" name="Base" fill="var(--mantine-color-gray-5)" isAnimationActive={false} />
          <Bar dataKey="model" name="Candidate" fill="var(--mantine-color-indigo-6)" isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}

function ReasonModal({
  q,
  metric,
  onClose,
}: {
  q: QuestionResult | null;
  metric: BenchmarkReport['metric'];
  onClose(): void;
}) {
  return (
    <Modal opened={q !== null} onClose={onClose} title="Question, answers and the judge's reasons" size="lg">
      {q && (
        <Stack gap="sm">
          <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
            <b>Question:</b> {q.question}
          </Text>
          <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
            <b>Reference:</b> {q.reference}
          </Text>
          {(['model', 'base'] as const).map((side) => (
            <div key={side} aria-label={side === 'model' ? 'Candidate answer' : 'Base answer'}>
              <Text size="sm" fw={700}>
                {side === 'model' ? 'Candidate' : 'Base'}: {formatScore(q[side].score, metric)}
              </Text>
              <Text size="sm" ff="monospace" style={{ whiteSpace: 'pre-wrap' }}>
                {q[side].answer ?? '(no answer)'}
              </Text>
              {q[side].reason && (
                <Text size="sm" c="dimmed">
                  Reason: {q[side].reason}
                </Text>
              )}
              {q[side].error && (
                <Text size="sm" c="orange">
                  Not scored: {q[side].error}
                </Text>
              )}
            </div>
          ))}
        </Stack>
      )}
    </Modal>
  );
}

function QuestionsTable({ b }: { b: BenchmarkReport }) {
  const [open, setOpen] = useState<QuestionResult | null>(null);
  const counts = outcomeCounts(b);
  return (
    <>
      <Text size="sm" aria-label="Wins and losses">
        Per question: {counts.win} wins, {counts.loss} losses, {counts.tie} ties
        {counts.error ? `, ${counts.error} not scored` : ''}
      </Text>
      <Table.ScrollContainer minWidth={560} mah={320}>
        <Table verticalSpacing={4} horizontalSpacing="sm" aria-label="Questions" striped stickyHeader>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Question</Table.Th>
              <Table.Th>Base</Table.Th>
              <Table.Th>Candidate</Table.Th>
              <Table.Th>Outcome</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {b.questions.map((q) => (
              <Table.Tr key={q.id}>
                <Table.Td maw={360}>
                  <Text size="xs" lineClamp={2}>
                    {q.question}
                  </Text>
                </Table.Td>
                <Table.Td style={{ fontVariantNumeric: 'tabular-nums' }}>
                  {q.base.error ? 'error' : formatScore(q.base.score, b.metric)}
                </Table.Td>
                <Table.Td style={{ fontVariantNumeric: 'tabular-nums' }}>
                  {q.model.error ? 'error' : formatScore(q.model.score, b.metric)}
                </Table.Td>
                <Table.Td>
                  <Badge size="sm" variant="light" color={OUTCOME_COLOR[q.outcome]}>
                    {q.outcome}
                  </Badge>
                </Table.Td>
                <Table.Td>
                  <Button
                    size="compact-xs"
                    variant="subtle"
                    onClick={() => setOpen(q)}
                    aria-label={`Why: ${q.question.slice(0, 60)}`}
                  >
                    Why?
                  </Button>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      <ReasonModal q={open} metric={b.metric} onClose={() => setOpen(null)} />
    </>
  );
}

function BenchmarkView({ b }: { b: BenchmarkReport }) {
  const s = b.summary;
  return (
    <Stack gap="sm">
      <Group gap="lg" wrap="wrap">
        <Text size="sm" aria-label="Base score">
          Base <b>{formatScore(b.base, b.metric)}</b>
        </Text>
        <Text size="sm" aria-label="Candidate score">
          Candidate <b>{formatScore(b.model, b.metric)}</b>
        </Text>
        <Text size="xs" c="dimmed">
          {b.method} · {s.improvements} improved, {s.regressions} regressed, {s.noChange} unchanged
          {s.new ? `, ${s.new} new` : ''}
        </Text>
        <Badge
          size="sm"
          variant="outline"
          color={b.status === 'scored' ? 'teal' : b.status === 'partial' ? 'orange' : 'gray'}
        >
          {b.status}
        </Badge>
      </Group>
      {b.errors.map((e, i) => (
        <Alert key={i} color="orange" variant="light" p="xs" title={e.what}>
          {e.reason}
        </Alert>
      ))}
      {b.per_leaf.length > 0 && <LeafChart b={b} />}
      {b.per_leaf.length > 0 && (
        <Group gap="xs" wrap="wrap">
          {b.per_leaf.map((l) => (
            <Badge key={l.leafId} variant="light" color={CHANGE_COLOR[l.change]} tt="none">
              {l.leafId}: {l.change}
            </Badge>
          ))}
        </Group>
      )}
      {b.questions.length > 0 && <QuestionsTable b={b} />}
    </Stack>
  );
}

/** One evaluation report: a benchmark picker, the per-leaf chart, per-question wins and losses with the judge's reasons. */
export function EvalReportView({ report }: { report: EvalReport }) {
  const names = Object.keys(report.benchmarks);
  const [pick, setPick] = useState(names[0] ?? '');
  const b = report.benchmarks[pick] ?? report.benchmarks[names[0] ?? ''];
  return (
    <Stack gap="sm">
      {report.issues.map((i, n) => (
        <Alert key={n} color="orange" variant="light" p="xs" title={`Not evaluated: ${i.what}`}>
          {i.reason}
        </Alert>
      ))}
      <SegmentedControl
        size="xs"
        value={b?.name ?? ''}
        onChange={setPick}
        data={names.map((n) => ({ value: n, label: BENCHMARK_LABELS[n] ?? n }))}
        aria-label="Benchmark"
      />
      {b && <BenchmarkView b={b} />}
      <Text size="xs" c="dimmed">
        Judge: {report.judge ? `${report.judge.model} (${report.judge.source})` : 'none'}
        {report.questionsPerMin ? ` · ${Math.round(report.questionsPerMin)} questions/min` : ''}
      </Text>
    </Stack>
  );
}
