import { Badge, Group, Paper, Stack, Text, ThemeIcon, Title } from '@mantine/core';
import { IconAlertTriangle, IconCheck, IconX } from '@tabler/icons-react';
import type { ReactNode } from 'react';
import type { HardwareInfo } from '../../../../electron/shared/contract';
import { readiness, summary, type Level } from './readiness';

const looks: Record<Level, { color: string; icon: ReactNode; label: string }> = {
  ready: { color: 'teal', icon: <IconCheck size={16} />, label: 'Ready' },
  limited: { color: 'yellow', icon: <IconAlertTriangle size={16} />, label: 'Limited' },
  unavailable: { color: 'red', icon: <IconX size={16} />, label: 'Not available' },
};

/** What this machine can do, derived from the last hardware scan. */
export function ReadinessCard({ hw }: { hw: HardwareInfo | null }) {
  return (
    <Paper withBorder radius="md" p="lg" component="section" aria-labelledby="readiness-title" h="100%">
      <Title order={2} size="h4" id="readiness-title">
        Readiness
      </Title>
      {!hw ? (
        <Text size="sm" c="dimmed" mt="xs">
          Run a hardware scan to see what this machine can do: chat, synthetic data generation and training all depend
          on its GPU, memory and disk.
        </Text>
      ) : (
        <>
          <Text size="sm" c="dimmed" mt={4} mb="md">
            {summary(hw)}
          </Text>
          <Stack gap="md" component="ul" style={{ listStyle: 'none', padding: 0, margin: 0 }}>
            {readiness(hw).map((c) => {
              const look = looks[c.level];
              return (
                <Group key={c.id} component="li" gap="sm" align="flex-start" wrap="nowrap">
                  <ThemeIcon color={look.color} variant="light" radius="xl" size={28} aria-hidden>
                    {look.icon}
                  </ThemeIcon>
                  <div style={{ minWidth: 0, flex: 1 }}>
                    <Group justify="space-between" gap="xs" wrap="nowrap">
                      <Text size="sm" fw={600}>
                        {c.title}
                      </Text>
                      <Badge color={look.color} variant="light" size="sm" radius="sm">
                        {look.label}
                      </Badge>
                    </Group>
                    <Text size="xs" c="dimmed" mt={2}>
                      {c.detail}
                    </Text>
                  </div>
                </Group>
              );
            })}
          </Stack>
        </>
      )}
    </Paper>
  );
}
