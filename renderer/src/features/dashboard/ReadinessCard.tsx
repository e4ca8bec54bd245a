import { Badge, Group, Paper, Stack, Text, ThemeIcon, Title } from '@mantine/core';
import { IconAlertTriangle, IconCheck, IconX } from '@tabler/icons-react';
import type { ReactNode } from 'react';
import type { CheckStatus, HardwareReport } from '../../../../electron/shared/contract';

const looks: Record<CheckStatus, { color: string; icon: ReactNode; label: string }> = {
  ok: { color: 'teal', icon: <IconCheck size={16} />, label: 'Ready' },
  warn: { color: 'yellow', icon: <IconAlertTriangle size={16} />, label: 'Limited' },
  fail: { color: 'red', icon: <IconX size={16} />, label: 'Not available' },
};

/** One sentence for the top of the card, from the checks. */
export function summary(report: HardwareReport): string {
  const training = report.checks.find((c) => c.id === 'training');
  const chat = report.checks.find((c) => c.id === 'chat');
  if (training?.status === 'ok')
    return 'This machine is ready for the whole LAB workflow: data generation, training and chat.';
  if (training?.status === 'warn') return 'This machine can run the LAB workflow, with the limits below.';
  if (chat?.status !== 'fail') return 'This machine can chat and generate data; training real models needs a GPU.';
  return 'This machine is short of memory for the LAB workflow; see what is missing below.';
}

/** The readiness checklist of the last scan: green, amber or red, each with its reason. */
export function ReadinessCard({ report, scanned }: { report: HardwareReport | null; scanned: boolean }) {
  const failed = report?.info.probes.filter((p) => p.status === 'fail') ?? [];
  return (
    <Paper withBorder radius="md" p="lg" component="section" aria-labelledby="readiness-title" h="100%">
      <Title order={2} size="h4" id="readiness-title">
        Readiness
      </Title>
      {!report ? (
        <Text size="sm" c="dimmed" mt="xs">
          {scanned
            ? 'Working out what this machine can do…'
            : 'Run a hardware scan to see what this machine can do: chat, synthetic data generation and training all depend on its GPU, memory and disk.'}
        </Text>
      ) : (
        <>
          <Text size="sm" c="dimmed" mt={4} mb="md">
            {summary(report)}
          </Text>
          <Stack
            gap="sm"
            component="ul"
            style={{ listStyle: 'none', padding: 0, margin: 0 }}
            aria-label="Readiness checks"
          >
            {report.checks.map((c) => {
              const look = looks[c.status];
              return (
                <Group key={c.id} component="li" gap="sm" align="flex-start" wrap="nowrap">
                  <ThemeIcon color={look.color} variant="light" radius="xl" size={26} aria-hidden>
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
                      {c.reason}
                    </Text>
                  </div>
                </Group>
              );
            })}
          </Stack>
          {failed.length > 0 && (
            <Text size="xs" c="red" mt="md">
              Could not detect: {failed.map((p) => `${p.id} (${p.reason})`).join('; ')}
            </Text>
          )}
        </>
      )}
    </Paper>
  );
}
