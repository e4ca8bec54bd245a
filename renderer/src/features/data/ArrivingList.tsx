import { Badge, Group, Paper, Stack, Text, Title } from '@mantine/core';
import type { SdgArrival } from '../../../../electron/shared/contract';

/**
 * The teacher's latest replies while a leaf runs: what each generate block just got, before the
 * de-duplication and the judges decide what is kept (the kept samples are listed below, per leaf).
 */
export function ArrivingList({ items }: { items: Array<SdgArrival & { leaf: string; n: number }> }) {
  if (items.length === 0) return null;
  return (
    <Paper withBorder radius="md" p="md" aria-label="Arriving from the teacher">
      <Group justify="space-between" mb="xs">
        <Title order={3} size="h5">
          Arriving from the teacher
        </Title>
        <Text size="xs" c="dimmed">
          latest replies, not yet filtered
        </Text>
      </Group>
      <Stack gap={6}>
        {items.map((x) => (
          <Group key={x.n} gap="xs" wrap="nowrap" align="flex-start">
            <Badge size="xs" variant="light" color="gray" style={{ flexShrink: 0 }}>
              {x.block}
            </Badge>
            <Text size="sm" lineClamp={2} style={{ flex: 1 }}>
              {x.question ?? x.context ?? ''}
              {x.answer && (
                <Text span c="dimmed" size="sm">
                  {' '}
                  → {x.answer}
                </Text>
              )}
            </Text>
            <Text size="xs" c="dimmed" style={{ flexShrink: 0 }}>
              {x.leaf.split('->').pop()}
            </Text>
          </Group>
        ))}
      </Stack>
    </Paper>
  );
}
