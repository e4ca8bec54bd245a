import { ActionIcon, Badge, Button, Code, Group, Paper, Table, Text, TextInput, Tooltip } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconFileImport, IconTrash } from '@tabler/icons-react';
import { useState } from 'react';
import { jobParams, type JobInfo, type ModelInfo } from '../../../../electron/shared/contract';
import type { AppError } from '../../../../electron/shared/errors';
import { api } from '../../api/connection';
import { formatBytes, formatParams } from './download-state';

const fail = (title: string, err: unknown): void => {
  const e = err as AppError;
  notifications.show({ color: 'red', title, message: e.hint ? `${e.message} ${e.hint}` : e.message });
};

/** Adds a local GGUF file or Hugging Face folder by path (checked by the core before it is added). */
export function ImportForm() {
  const [path, setPath] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (): Promise<void> => {
    setBusy(true);
    try {
      const m = await api.call('models.import', { path: path.trim() });
      notifications.show({ color: 'teal', title: 'Imported', message: `${m.name} (${m.format})` });
      setPath('');
    } catch (err) {
      fail('Could not import', err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Group align="flex-end" gap="xs">
      <TextInput
        label="Import a local model"
        description="A .gguf file, or a Hugging Face folder (config.json, tokenizer, *.safetensors)"
        placeholder="/path/to/model.gguf"
        value={path}
        onChange={(e) => setPath(e.currentTarget.value)}
        style={{ flex: 1 }}
      />
      <Button
        leftSection={<IconFileImport size={16} aria-hidden />}
        disabled={!path.trim()}
        loading={busy}
        onClick={() => void submit()}
      >
        Import
      </Button>
    </Group>
  );
}

function Lineage({ m, byId }: { m: ModelInfo; byId: Record<string, ModelInfo> }) {
  const parts = [
    m.lineage.base ? `from ${byId[m.lineage.base]?.name ?? m.lineage.base}` : null,
    m.lineage.run ? `run ${m.lineage.run.slice(0, 8)}` : null,
    m.lineage.taxonomyCommit ? `taxonomy ${m.lineage.taxonomyCommit.slice(0, 7)}` : null,
    m.source ? `${m.source.origin === 'hf-cache' ? 'HF cache' : 'hub'}: ${m.source.repo}` : null,
  ].filter(Boolean);
  return <Text size="xs">{parts.length ? parts.join(' · ') : 'imported'}</Text>;
}

/** What is on disk: format, size, roles, header metadata, lineage; remove. */
export function LibraryTable({ models, runs }: { models: ModelInfo[]; runs: JobInfo[] }) {
  const byId = Object.fromEntries(models.map((m) => [m.id, m]));
  // Training runs that start from a model name it by id, name or path.
  const usedBy = (m: ModelInfo): number =>
    runs.filter((j) => {
      const base = jobParams('training.run', j)?.baseModel;
      return base === m.id || base === m.name || base === m.path;
    }).length;
  const remove = async (m: ModelInfo): Promise<void> => {
    try {
      await api.call('models.remove', { id: m.id, deleteFile: true });
    } catch (err) {
      fail('Could not remove', err);
    }
  };
  if (models.length === 0)
    return (
      <Paper withBorder p="lg" radius="md">
        <Text c="dimmed">No models yet: download one from the catalog, or import a local file.</Text>
      </Paper>
    );
  return (
    <Table.ScrollContainer minWidth={900}>
      <Table striped highlightOnHover aria-label="Model library">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Name</Table.Th>
            <Table.Th>Format</Table.Th>
            <Table.Th>Size</Table.Th>
            <Table.Th>Architecture</Table.Th>
            <Table.Th>Parameters</Table.Th>
            <Table.Th>Context</Table.Th>
            <Table.Th>Quantisation</Table.Th>
            <Table.Th>Chat template</Table.Th>
            <Table.Th>Lineage</Table.Th>
            <Table.Th />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {models.map((m) => (
            <Table.Tr key={m.id}>
              <Table.Td>
                <Text size="sm" fw={500}>
                  {m.name}
                </Text>
                <Group gap={4}>
                  {m.roles.map((r) => (
                    <Badge key={r} size="xs" variant="light">
                      {r}
                    </Badge>
                  ))}
                </Group>
                <Text size="xs" c="dimmed" truncate maw={260} title={m.path}>
                  {m.path}
                </Text>
              </Table.Td>
              <Table.Td>{m.format}</Table.Td>
              <Table.Td style={{ whiteSpace: 'nowrap' }}>{formatBytes(m.sizeBytes)}</Table.Td>
              <Table.Td>{m.gguf?.architecture ?? '—'}</Table.Td>
              <Table.Td>{formatParams(m.gguf?.parameterCount)}</Table.Td>
              <Table.Td>{m.gguf?.contextLength?.toLocaleString() ?? '—'}</Table.Td>
              <Table.Td>{m.gguf?.fileType ?? '—'}</Table.Td>
              <Table.Td>
                {m.gguf?.hasChatTemplate ? (
                  <Tooltip
                    label={<Code block>{(m.gguf.chatTemplate ?? '').slice(0, 400) || 'present'}</Code>}
                    multiline
                    w={420}
                  >
                    <Badge color="teal" variant="light">
                      yes
                    </Badge>
                  </Tooltip>
                ) : (
                  <Badge color="gray" variant="light">
                    no
                  </Badge>
                )}
              </Table.Td>
              <Table.Td>
                <Lineage m={m} byId={byId} />
                {usedBy(m) > 0 && (
                  <Text size="xs" c="dimmed">
                    base of {usedBy(m)} run{usedBy(m) > 1 ? 's' : ''}
                  </Text>
                )}
              </Table.Td>
              <Table.Td>
                <ActionIcon variant="subtle" color="red" aria-label={`Remove ${m.name}`} onClick={() => void remove(m)}>
                  <IconTrash size={16} />
                </ActionIcon>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
