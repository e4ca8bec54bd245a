import { Group, List, Paper, Stack, Text, ThemeIcon, Title } from '@mantine/core';
import { IconBook, IconCircleMinus, IconPuzzle } from '@tabler/icons-react';
import type { TaxonomyDiffInfo } from '../../../../electron/shared/contract';

/** What `ilab taxonomy diff` would select, said plainly: these leaves will be trained, because... */
export function TrainingDiff({ diff, onOpen }: { diff: TaxonomyDiffInfo | null; onOpen?(path: string): void }) {
  if (!diff) return null;
  return (
    <Paper withBorder radius="md" p="md" component="section" aria-label="Training diff">
      <Group justify="space-between" mb="xs">
        <Title order={3} size="h5">
          {diff.leaves.length === 0
            ? 'Nothing new to train'
            : diff.leaves.length === 1
              ? 'This leaf will be trained'
              : `These ${diff.leaves.length} leaves will be trained`}
        </Title>
      </Group>
      <Text size="xs" c="dimmed" mb="xs">
        Compared with{' '}
        <Text span ff="monospace" size="xs">
          {diff.base}
        </Text>
        {diff.base === 'origin/main' ? '' : /^[0-9a-f]{7,}$/.test(diff.base) ? ' (the first commit)' : ''}, uncommitted
        edits included.
      </Text>
      {diff.leaves.length === 0 && (
        <Text size="sm" c="dimmed">
          No qna.yaml is new or changed since the base, so a run would stop with “No new leaf nodes found”. Add or edit
          an entry.
        </Text>
      )}
      <Stack gap={6}>
        {diff.leaves.map((l) => (
          <Group key={l.path} gap="sm" wrap="nowrap" align="flex-start">
            <ThemeIcon size="sm" variant="light" color={l.kind === 'knowledge' ? 'indigo' : 'grape'} aria-hidden>
              {l.kind === 'knowledge' ? <IconBook size={14} /> : <IconPuzzle size={14} />}
            </ThemeIcon>
            <div style={{ minWidth: 0 }}>
              <Text
                size="sm"
                fw={600}
                style={{ cursor: onOpen ? 'pointer' : undefined, wordBreak: 'break-all' }}
                onClick={() => onOpen?.(l.path)}
              >
                {l.leafId}
              </Text>
              <Text size="xs" c="dimmed">
                because: {l.reason}
              </Text>
            </div>
          </Group>
        ))}
      </Stack>
      {diff.skipped.length > 0 && (
        <>
          <Text size="xs" fw={600} mt="sm" c="dimmed">
            Changed but not trained
          </Text>
          <List size="xs" spacing={2} icon={<IconCircleMinus size={12} />}>
            {diff.skipped.map((s) => (
              <List.Item key={s.path}>
                {s.path}: {s.reason}
              </List.Item>
            ))}
          </List>
        </>
      )}
    </Paper>
  );
}
