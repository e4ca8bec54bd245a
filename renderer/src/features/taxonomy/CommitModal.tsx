import { Badge, Button, Code, Group, Modal, ScrollArea, Stack, Table, Text, TextInput, Textarea } from '@mantine/core';
import { useEffect, useState } from 'react';
import type { TaxonomyDiffInfo } from '../../../../electron/shared/contract';
import { api } from '../../api/connection';
import { messageOf } from '../../components/message-of';
import { TrainingDiff } from './TrainingDiff';

type Status = { path: string; status: string; staged: boolean };
const color: Record<string, string> = { added: 'teal', untracked: 'teal', modified: 'blue', deleted: 'red' };

/** Review the changes (files, what will be trained, a file's diff) and commit them with an author. */
export function CommitModal({ opened, onClose, onDone }: { opened: boolean; onClose(): void; onDone(): void }) {
  const [files, setFiles] = useState<Status[]>([]);
  const [diff, setDiff] = useState<TaxonomyDiffInfo | null>(null);
  const [patch, setPatch] = useState<string | null>(null);
  const [message, setMessage] = useState('');
  const [author, setAuthor] = useState({ name: '', email: '' });
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (!opened) return;
    void Promise.all([
      api.call('taxonomy.status', {}),
      api.call('taxonomy.diff', {}).catch(() => null),
      api.call('taxonomy.author', {}),
    ])
      .then(([s, d, a]) => {
        setError(null);
        setPatch(null);
        setFiles(s.files);
        setDiff(d);
        if (a) setAuthor(a);
      })
      .catch((e: unknown) => setError(messageOf(e)));
  }, [opened]);

  const commit = async (): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      await api.call('taxonomy.commit', { message, author });
      setMessage('');
      onDone();
      onClose();
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal opened={opened} onClose={onClose} title="Review and commit" size="xl">
      <Stack gap="md">
        {files.length === 0 ? (
          <Text size="sm" c="dimmed">
            No uncommitted changes.
          </Text>
        ) : (
          <Table striped highlightOnHover withTableBorder aria-label="Changed files">
            <Table.Tbody>
              {files.map((f) => (
                <Table.Tr
                  key={f.path}
                  style={{ cursor: 'pointer' }}
                  onClick={() => void api.call('taxonomy.fileDiff', { path: f.path }).then((p) => setPatch(p.patch))}
                >
                  <Table.Td w={110}>
                    <Badge variant="light" color={color[f.status]}>
                      {f.status === 'untracked' ? 'new' : f.status}
                    </Badge>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm" ff="monospace">
                      {f.path}
                    </Text>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
        {patch && (
          <ScrollArea.Autosize mah={220}>
            <Code block aria-label="File diff">
              {patch}
            </Code>
          </ScrollArea.Autosize>
        )}
        <TrainingDiff diff={diff} />
        <Textarea
          label="Commit message"
          placeholder="Add Phoenix constellation knowledge"
          autosize
          minRows={2}
          value={message}
          onChange={(e) => setMessage(e.currentTarget.value)}
        />
        <Group grow>
          <TextInput
            label="Author name"
            value={author.name}
            onChange={(e) => setAuthor({ ...author, name: e.currentTarget.value })}
          />
          <TextInput
            label="Author email"
            value={author.email}
            onChange={(e) => setAuthor({ ...author, email: e.currentTarget.value })}
          />
        </Group>
        {error && (
          <Text c="red" size="sm" role="alert">
            {error}
          </Text>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button
            onClick={() => void commit()}
            loading={busy}
            disabled={!message.trim() || !author.name.trim() || author.email.trim().length < 3 || files.length === 0}
          >
            Commit {files.length} file{files.length === 1 ? '' : 's'}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
