import { Paper, Text, VisuallyHidden } from '@mantine/core';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { SdgLeafProgress } from '../../../../electron/shared/contract';
import { funnelOf } from './funnel';

const tooltipStyle = {
  background: 'var(--mantine-color-body)',
  border: '1px solid var(--mantine-color-default-border)',
  borderRadius: 8,
  fontSize: 12,
};

/** Kept and dropped samples after each step: where the data went. */
export function FunnelChart({ leaves, title }: { leaves: SdgLeafProgress[]; title: string }) {
  const bars = funnelOf(leaves);
  return (
    <Paper withBorder radius="md" p="md" role="figure" aria-label={`Kept and dropped samples: ${title}`}>
      <Text fw={600} size="sm" mb="xs">
        Kept / dropped funnel · {title}
      </Text>
      {bars.length === 0 ? (
        <Text size="sm" c="dimmed">
          The funnel appears once the first samples are generated.
        </Text>
      ) : (
        <>
          <ResponsiveContainer width="100%" height={Math.max(160, bars.length * 38 + 50)}>
            <BarChart data={bars} layout="vertical" margin={{ left: 24, right: 24 }}>
              <CartesianGrid strokeDasharray="3 3" horizontal={false} />
              <XAxis type="number" allowDecimals={false} />
              <YAxis type="category" dataKey="step" width={150} tick={{ fontSize: 12 }} />
              <Tooltip contentStyle={tooltipStyle} />
              <Legend />
              <Bar
                dataKey="kept"
                stackId="a"
                name="kept"
                fill="var(--mantine-color-teal-6)"
                isAnimationActive={false}
              />
              <Bar
                dataKey="dropped"
                stackId="a"
                name="dropped"
                fill="var(--mantine-color-red-5)"
                isAnimationActive={false}
              />
            </BarChart>
          </ResponsiveContainer>
          <VisuallyHidden>
            <ul>
              {bars.map((b) => (
                <li key={b.step}>
                  {b.step}: {b.kept} kept, {b.dropped} dropped
                </li>
              ))}
            </ul>
          </VisuallyHidden>
        </>
      )}
    </Paper>
  );
}
