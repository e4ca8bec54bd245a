import { Badge, Group, Paper, ScrollArea, Stack, Text, UnstyledButton } from '@mantine/core';
import { IconAlertTriangle, IconCircleCheck, IconCircleX, IconInfoCircle, IconWand } from '@tabler/icons-react';
import type { FindingInfo } from '../../../../electron/shared/contract';

const icon = {
  error: <IconCircleX size={16} color="var(--mantine-color-red-6)" aria-hidden />,
  warning: <IconAlertTriangle size={16} color="var(--mantine-color-yellow-7)" aria-hidden />,
  info: <IconInfoCircle size={16} color="var(--mantine-color-blue-6)" aria-hidden />,
};

/** The validator's findings, errors first; a click moves the editor to the place. */
export function FindingsList({ findings, onJump }: { findings: FindingInfo[]; onJump(f: FindingInfo): void }) {
  const errors = findings.filter((f) => f.severity === 'error').length;
  const fixable = findings.filter((f) => f.fixable).length;
  const sorted = [...findings].sort((a, b) =>
    a.severity === b.severity ? a.line - b.line : a.severity === 'error' ? -1 : b.severity === 'error' ? 1 : 0,
  );
  return (
    <Paper withBorder radius="md" p="sm" component="section" aria-label="Problems">
      <Group justify="space-between" mb={findings.length ? 'xs' : 0}>
        <Group gap="xs">
          {findings.length === 0 ? (
            <IconCircleCheck size={18} color="var(--mantine-color-teal-6)" aria-hidden />
          ) : (
            icon[errors ? 'error' : 'warning']
          )}
          <Text fw={600} size="sm">
            {findings.length === 0
              ? 'No problems: this file matches InstructLab’s schema and lint rules.'
              : `${errors} error${errors === 1 ? '' : 's'}, ${findings.length - errors} other finding${findings.length - errors === 1 ? '' : 's'}`}
          </Text>
        </Group>
        {fixable > 0 && (
          <Badge variant="light" color="teal" leftSection={<IconWand size={12} />}>
            {fixable} fixed automatically on save
          </Badge>
        )}
      </Group>
      {findings.length > 0 && (
        <ScrollArea.Autosize mah={180}>
          <Stack gap={2} component="ul" style={{ listStyle: 'none', margin: 0, padding: 0 }}>
            {sorted.map((f, i) => (
              <li key={i}>
                <UnstyledButton
                  onClick={() => onJump(f)}
                  w="100%"
                  p={4}
                  style={{ borderRadius: 6 }}
                  aria-label={`Line ${f.line}: ${f.message}`}
                >
                  <Group gap="xs" wrap="nowrap" align="flex-start">
                    {f.fixable ? (
                      <IconWand size={16} color="var(--mantine-color-teal-6)" aria-hidden />
                    ) : (
                      icon[f.severity]
                    )}
                    <Text size="xs" c="dimmed" ff="monospace" style={{ flexShrink: 0 }} w={56}>
                      {f.line}:{f.column}
                    </Text>
                    <Text size="sm" style={{ flex: 1 }}>
                      {f.message}
                      {f.path && (
                        <Text span size="xs" c="dimmed" ff="monospace">
                          {'  '}
                          {f.path}
                        </Text>
                      )}
                    </Text>
                  </Group>
                </UnstyledButton>
              </li>
            ))}
          </Stack>
        </ScrollArea.Autosize>
      )}
    </Paper>
  );
}
