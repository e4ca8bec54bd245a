import { Alert, List, Text } from '@mantine/core';
import { IconAdjustments } from '@tabler/icons-react';
import type { TrainingMetrics } from '../../../../electron/shared/contract';

const names: Record<string, string> = {
  effective_batch_size: 'Effective batch size',
  warmup_steps: 'Warm-up steps',
};

/** The defaults the trainer fitted to this run's data (small datasets), and why. */
export function AdaptedNote({ adapted }: { adapted: TrainingMetrics['adapted'] }) {
  if (adapted.length === 0) return null;
  return (
    <Alert
      color="blue"
      variant="light"
      icon={<IconAdjustments size={18} />}
      title="Adapted to the data"
      aria-label="Adapted settings"
    >
      <List size="sm" spacing={4}>
        {adapted.map((a) => (
          <List.Item key={`${a.phase}-${a.setting}`}>
            <Text span size="sm" fw={600}>
              {names[a.setting] ?? a.setting} ({a.phase}): {a.requested} → {a.used}
            </Text>{' '}
            <Text span size="sm" c="dimmed">
              {a.reason}
            </Text>
          </List.Item>
        ))}
      </List>
    </Alert>
  );
}
