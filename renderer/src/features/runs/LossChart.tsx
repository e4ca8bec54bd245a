import { Group, Paper, Text, VisuallyHidden, useComputedColorScheme } from '@mantine/core';
import { memo, useDeferredValue, useMemo } from 'react';
import {
  CartesianGrid,
  ComposedChart,
  Legend,
  Line,
  LineChart,
  ReferenceLine,
  ResponsiveContainer,
  Scatter,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import type { LossPoint, TrainingMetrics } from '../../../../electron/shared/contract';
import { buildSeries, formatLoss, formatNumber } from './chart-data';

// Held-out dots are a shade apart from their phase's line: darker on light, lighter on dark.
const palette = (dark: boolean): Record<string, { line: string; eval: string }> => ({
  knowledge: { line: 'var(--mantine-color-indigo-6)', eval: `var(--mantine-color-indigo-${dark ? 3 : 9})` },
  skills: { line: 'var(--mantine-color-teal-6)', eval: `var(--mantine-color-teal-${dark ? 3 : 9})` },
});

const tooltipStyle = {
  background: 'var(--mantine-color-body)',
  border: '1px solid var(--mantine-color-default-border)',
  borderRadius: 8,
  fontSize: 12,
};

/**
 * Training loss against the step (phases side by side), held-out loss as dots, and the learning
 * rate below. Rendering is deferred so a fast trainer never blocks typing or scrolling.
 */
export const LossChart = memo(function LossChart({
  title,
  points,
  evals,
  order,
}: {
  title: string;
  points: LossPoint[];
  evals: TrainingMetrics['evals'];
  order: readonly string[];
}) {
  const dark = useComputedColorScheme('light') === 'dark';
  const colors = palette(dark);
  const deferredPoints = useDeferredValue(points);
  const deferredEvals = useDeferredValue(evals);
  const series = useMemo(
    () => buildSeries(deferredPoints, deferredEvals, order),
    [deferredPoints, deferredEvals, order],
  );
  const axis = dark ? 'var(--mantine-color-dark-2)' : 'var(--mantine-color-gray-6)';
  const grid = dark ? 'var(--mantine-color-dark-4)' : 'var(--mantine-color-gray-3)';
  // The axis spans the phase's planned steps, so the curve grows left to right instead of stretching.
  const maxX = series.reduce((m, s) => Math.max(m, s.end, s.evals.at(-1)?.x ?? 0), 0);
  const last = points.at(-1);

  return (
    <Paper withBorder radius="md" p="md" component="figure" m={0} aria-label={`Loss chart of ${title}`}>
      <Group justify="space-between" mb="xs" wrap="wrap" gap="xs">
        <Text size="sm" fw={600} component="figcaption">
          Training loss
        </Text>
        <Text size="xs" c="dimmed" style={{ fontVariantNumeric: 'tabular-nums' }}>
          {last
            ? `${last.phase} · step ${last.step}/${last.totalSteps} · loss ${formatLoss(last.loss)}`
            : 'Waiting for the first step…'}
        </Text>
      </Group>
      <VisuallyHidden aria-live="off" data-testid="chart-point-count">
        {`${points.length} points`}
      </VisuallyHidden>
      {points.length === 0 ? (
        <Text size="sm" c="dimmed" ta="center" py={80}>
          The curve appears with the trainer&apos;s first optimizer step.
        </Text>
      ) : (
        <div aria-hidden>
          <ResponsiveContainer width="100%" height={260}>
            <ComposedChart margin={{ top: 8, right: 16, bottom: 0, left: 0 }} syncId="run-chart">
              <CartesianGrid stroke={grid} strokeDasharray="3 3" />
              <XAxis
                type="number"
                dataKey="x"
                domain={[0, Math.max(1, maxX)]}
                allowDecimals={false}
                tick={{ fill: axis, fontSize: 11 }}
                stroke={grid}
              />
              <YAxis
                tick={{ fill: axis, fontSize: 11 }}
                stroke={grid}
                width={48}
                domain={['auto', 'auto']}
                tickFormatter={(v: number) => formatNumber(v, 3)}
              />
              <Tooltip
                contentStyle={tooltipStyle}
                labelFormatter={(x) => `Step ${String(x)}`}
                formatter={(v) => formatNumber(Number(v))}
              />
              <Legend wrapperStyle={{ fontSize: 12 }} />
              {series.slice(1).map((s) => (
                <ReferenceLine
                  key={`start-${s.phase}`}
                  x={s.offset}
                  stroke={axis}
                  strokeDasharray="4 4"
                  label={{ value: `${s.phase} →`, position: 'insideTopLeft', fill: axis, fontSize: 11 }}
                />
              ))}
              {series.map((s) => (
                <Line
                  key={s.phase}
                  data={s.points}
                  dataKey="loss"
                  name={`${s.phase} loss`}
                  stroke={colors[s.phase]?.line}
                  strokeWidth={2}
                  dot={false}
                  isAnimationActive={false}
                  type="linear"
                />
              ))}
              {series
                .filter((s) => s.evals.length > 0)
                .map((s) => (
                  <Scatter
                    key={`eval-${s.phase}`}
                    data={s.evals}
                    dataKey="evalLoss"
                    name={`${s.phase} held-out`}
                    fill={colors[s.phase]?.eval}
                    shape="diamond"
                    isAnimationActive={false}
                  />
                ))}
            </ComposedChart>
          </ResponsiveContainer>
          <Text size="xs" fw={600} c="dimmed" mt="xs" ml={48}>
            Learning rate
          </Text>
          <ResponsiveContainer width="100%" height={90}>
            <LineChart margin={{ top: 4, right: 16, bottom: 0, left: 0 }} syncId="run-chart">
              <CartesianGrid stroke={grid} strokeDasharray="3 3" vertical={false} />
              <XAxis type="number" dataKey="x" domain={[0, Math.max(1, maxX)]} hide />
              <YAxis
                tick={{ fill: axis, fontSize: 10 }}
                stroke={grid}
                width={48}
                tickCount={3}
                tickFormatter={(v: number) => formatNumber(v, 2)}
              />
              <Tooltip
                contentStyle={tooltipStyle}
                labelFormatter={(x) => `Step ${String(x)}`}
                formatter={(v) => formatNumber(Number(v))}
              />
              {series.map((s) => (
                <Line
                  key={s.phase}
                  data={s.points}
                  dataKey="lr"
                  name={`${s.phase} learning rate`}
                  stroke={colors[s.phase]?.line}
                  strokeWidth={1.5}
                  dot={false}
                  isAnimationActive={false}
                  type="stepAfter"
                />
              ))}
            </LineChart>
          </ResponsiveContainer>
        </div>
      )}
    </Paper>
  );
});
