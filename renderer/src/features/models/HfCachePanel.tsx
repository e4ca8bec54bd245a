import { Button, Group, Paper, Stack, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconFolderPlus } from '@tabler/icons-react';
import { useEffect, useState } from 'react';
import type { HfCacheEntry, ModelInfo } from '../../../../electron/shared/contract';
import type { AppError } from '../../../../electron/shared/errors';
import { api } from '../../api/connection';
import { formatBytes } from './download-state';

/** Models already in the user's Hugging Face cache: add them to the library without copying. */
export function HfCachePanel({ models }: { models: ModelInfo[] }) {
  const [entries, setEntries] = useState<HfCacheEntry[]>([]);
  useEffect(() => {
    api.call('models.hfCache', {}).then(setEntries, () => setEntries([]));
  }, []);
  const known = new Set(models.map((m) => m.path));
  const add = async (path: string): Promise<void> => {
    try {
      const m = await api.call('models.import', { path });
      notifications.show({ color: 'teal', title: 'Added from the Hugging Face cache', message: m.name });
    } catch (err) {
      const e = err as AppError;
      notifications.show({
        color: 'red',
        title: 'Could not add it',
        message: e.hint ? `${e.message} ${e.hint}` : e.message,
      });
    }
  };
  const items = entries.flatMap((e) => {
    const ggufs = e.files.filter((f) => f.path.endsWith('.gguf'));
    if (ggufs.length > 0)
      return ggufs.map((f) => ({
        key: `${e.path}/${f.path}`,
        label: `${e.repo} · ${f.path}`,
        path: `${e.path}/${f.path}`,
        size: f.sizeBytes,
      }));
    if (e.files.some((f) => f.path === 'config.json'))
      return [
        {
          key: e.path,
          label: `${e.repo}@${e.revision}`,
          path: e.path,
          size: e.files.reduce((a, f) => a + f.sizeBytes, 0),
        },
      ];
    return [];
  });
  if (items.length === 0) return null;
  return (
    <Paper withBorder p="md" radius="md" component="section" aria-labelledby="hf-cache-title">
      <Title order={2} size="h5" id="hf-cache-title" mb="xs">
        In your Hugging Face cache
      </Title>
      <Stack gap={6}>
        {items.map((i) => (
          <Group key={i.key} justify="space-between" wrap="nowrap">
            <Text size="sm" truncate>
              {i.label} · {formatBytes(i.size)}
            </Text>
            {known.has(i.path) ? (
              <Text size="xs" c="dimmed">
                in the library
              </Text>
            ) : (
              <Button
                size="compact-xs"
                variant="light"
                leftSection={<IconFolderPlus size={12} aria-hidden />}
                onClick={() => void add(i.path)}
                aria-label={`Add ${i.label} to the library`}
              >
                Add
              </Button>
            )}
          </Group>
        ))}
      </Stack>
    </Paper>
  );
}
